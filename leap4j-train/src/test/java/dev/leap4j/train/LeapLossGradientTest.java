package dev.leap4j.train;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loss terms (cosine, sigmoid exit margin, in-batch similarity KL, projection) against central differences, one
 * term at a time and together. The loss sums in double over float inputs, so a difference of two loss values is
 * exact to double rounding, and a small step (1e-4) keeps the truncation error under the bound (1e-5). Through the
 * projection the projected states are rounded to float before the loss reads them: a larger step (1e-2) keeps that
 * rounding small against the difference, and the bound is 1e-3.
 */
class LeapLossGradientTest {
    record Case(LossSettings ls, float[] s, float[][] tl, float[] tf, float[] proj, int L, int B, int Cs, int Ct) {
        Case with(LossSettings other) {
            return new Case(other, s, tl, tf, proj, L, B, Cs, Ct);
        }

        LeapLoss.Terms compute(float[] ds, float[] dproj) {
            return new LeapLoss(ls, B, Cs, Ct).compute(s, tl, tf, proj, ds, dproj);
        }

        LeapLoss.Terms compute() {
            return compute(new float[L * B * Cs], proj == null ? null : new float[proj.length]);
        }

        /** Row b of layer l (1-based) set to the teacher's final embedding (equal widths only). */
        void setToTeacher(int l, int b) {
            System.arraycopy(tf, b * Ct, s, ((l - 1) * B + b) * Cs, Cs);
        }
    }

    static Case randomCase(Random rnd, int L, int B, int Cs, int Ct, double wf, double wi, double we, double wc) {
        double[] lw = new double[L];
        for (int l = 0; l < L; l++) lw[l] = 0.2 + rnd.nextDouble();
        int Lt = L + 1;
        LossSettings ls = new LossSettings(wf, wi, we, wc, 0.7, 0.2 + 0.3 * rnd.nextDouble(), 10, 0.3 + rnd.nextDouble(), lw,
                LossSettings.defaultInterMap(L, Lt));
        float[] s = new float[L * B * Cs];
        // correlated layers, so cosines spread over the sigmoid's active range
        double[] base = new double[B * Cs];
        for (int i = 0; i < base.length; i++) base[i] = rnd.nextGaussian();
        for (int l = 0; l < L; l++) for (int i = 0; i < B * Cs; i++) s[l * B * Cs + i] = (float) (base[i] + 0.8 * rnd.nextGaussian());
        float[][] tl = new float[Lt + 1][];
        for (int l = 1; l <= Lt; l++) {
            tl[l] = new float[B * Ct];
            for (int i = 0; i < B * Ct; i++) tl[l][i] = (float) rnd.nextGaussian();
        }
        float[] proj = null;
        if (Cs != Ct) {
            proj = new float[Cs * Ct];
            for (int i = 0; i < proj.length; i++) proj[i] = (float) (rnd.nextGaussian() / Math.sqrt(Cs));
        }
        return new Case(ls, s, tl, tl[Lt], proj, L, B, Cs, Ct);
    }

    static void check(Case c, String what) {
        int L = c.L, B = c.B, Cs = c.Cs;
        float[] ds = new float[L * B * Cs];
        float[] dproj = c.proj == null ? null : new float[c.proj.length];
        c.compute(ds, dproj);
        // stop-gradient: L_exit_s's target is held at the unperturbed last layer
        float[] target = Arrays.copyOfRange(c.s, (L - 1) * B * Cs, L * B * Cs);
        LeapLoss leap = new LeapLoss(c.ls, B, Cs, c.Ct);
        float[] scratch = new float[L * B * Cs], dprojScratch = c.proj == null ? null : new float[c.proj.length];
        java.util.function.DoubleSupplier value = () -> leap.compute(c.s, c.tl, c.tf, c.proj, scratch, dprojScratch, target, 0).total();
        double bound = c.proj == null ? 1e-5 : 1e-3;
        float eps = c.proj == null ? 1e-4f : 1e-2f;
        for (int l = 0; l < L; l++) {
            double[] an = new double[B * Cs], fd = new double[B * Cs];
            for (int k = 0; k < B * Cs; k++) {
                an[k] = ds[l * B * Cs + k];
                fd[k] = GradCheck.central(c.s, l * B * Cs + k, eps, value);
            }
            double rel = GradCheck.relativeError(an, fd, 1e-8);
            assertTrue(rel < bound, what + " layer " + (l + 1) + ": relative error " + rel);
        }
        if (c.proj != null) {
            double[] an = new double[c.proj.length], fd = new double[c.proj.length];
            for (int k = 0; k < fd.length; k++) {
                an[k] = dproj[k];
                fd[k] = GradCheck.central(c.proj, k, eps, value);
            }
            double rel = GradCheck.relativeError(an, fd, 1e-8);
            assertTrue(rel < bound, what + " projection: relative error " + rel);
        }
    }

    @Test
    void everyTermAloneAndTogether() {
        long seed = dev.leap4j.TestSeed.next();
        Random rnd = new Random(seed);
        double[][] weights = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}, {1, 0.3, 0.4, 0.3}};
        String[] names = {"L_final", "L_inter", "L_exit", "L_contrast", "L (paper weights)"};
        for (int i = 0; i < weights.length; i++) {
            int L = 2 + rnd.nextInt(3), B = 3 + rnd.nextInt(4), C = 3 + rnd.nextInt(9);
            double[] w = weights[i];
            check(randomCase(rnd, L, B, C, C, w[0], w[1], w[2], w[3]), names[i] + " (seed " + seed + ")");
        }
    }

    @Test
    void exitPathTermsAloneAndWithThePaperTerms() {
        long seed = dev.leap4j.TestSeed.next();
        Random rnd = new Random(seed);
        double[][] weights = {{1, 0}, {0, 1}, {0.7, 0.4}};
        String[] names = {"L_align", "L_relational", "L_align + L_relational"};
        for (int i = 0; i < weights.length; i++) {
            int L = 3 + rnd.nextInt(3), B = 3 + rnd.nextInt(4), C = 3 + rnd.nextInt(9);
            Case c = randomCase(rnd, L, B, C, C, 0, 0, 0, 0);
            int from = 1 + rnd.nextInt(L - 1), to = from + rnd.nextInt(L - from);
            check(c.with(c.ls().withExitPath(weights[i][0], weights[i][1], from, to)),
                    names[i] + " on layers " + from + ".." + to + " (seed " + seed + ")");
        }
        Case c = randomCase(rnd, 4, 5, 6, 6, 1, 0.3, 0.4, 0.3);
        check(c.with(c.ls().withExitPath(1, 0.5, 2)), "every term (seed " + seed + ")");
        int Cs = 5, Ct = 8;
        Case p = randomCase(rnd, 3, 4, Cs, Ct, 1, 0, 0, 0.3);
        check(p.with(p.ls().withExitPath(1, 0.5, 1)), "exit path through the projection (seed " + seed + ")");
    }

    @Test
    void exitPathTermsAreOffInThePapersObjectiveAndZeroWhenTheLayersMatchTheTeacher() {
        LossSettings paper = LossSettings.paper(12, 12);
        assertEquals(0, paper.wAlign());
        assertEquals(0, paper.wRelational());
        Random rnd = new Random(dev.leap4j.TestSeed.next());
        Case c = randomCase(rnd, 4, 5, 6, 6, 0, 0, 0, 0);
        for (int l = 2; l <= 4; l++) for (int b = 0; b < 5; b++) c.setToTeacher(l, b);
        LeapLoss.Terms t = c.with(c.ls.withExitPath(1, 1, 2)).compute();
        assertEquals(0, t.align(), 1e-12);
        assertEquals(0, t.relational(), 1e-12);
        LeapLoss.Terms all = c.with(c.ls.withExitPath(1, 1, 1)).compute();
        assertTrue(all.align() > 0 && all.relational() > 0, "layer 1 still differs from the teacher");
        assertThrows(IllegalArgumentException.class, () -> c.ls.withExitPath(1, 0, 4), "the last layer is L_final's, not the exit path's");
        assertThrows(IllegalArgumentException.class, () -> c.ls.withExitPath(0, 1, 0));
    }

    @Test
    void exitPathTermsStopAtTheirLastLayer() {
        long seed = dev.leap4j.TestSeed.next();
        Case c = randomCase(new Random(seed), 5, 4, 6, 6, 0, 0, 0, 0);
        for (int l = 2; l <= 3; l++) for (int b = 0; b < 4; b++) c.setToTeacher(l, b);
        float[] ds = new float[5 * 4 * 6];
        LeapLoss.Terms upTo3 = c.with(c.ls.withExitPath(1, 1, 2, 3)).compute(ds, null);
        assertEquals(0, upTo3.align(), 1e-12, "layers 2-3 equal the teacher (seed " + seed + ")");
        assertEquals(0, upTo3.relational(), 1e-12);
        for (int i = 3 * 4 * 6; i < 4 * 4 * 6; i++) assertEquals(0, ds[i], 0.0, "layer 4 is past the exit path: no gradient reaches it");
        LeapLoss.Terms upTo4 = c.with(c.ls.withExitPath(1, 1, 2, 4)).compute(ds, null);
        assertTrue(upTo4.align() > 0 && upTo4.relational() > 0, "layer 4 differs from the teacher (seed " + seed + ")");
        assertEquals(4, c.ls.withExitPath(1, 1, 2).lastExitPathLayer());
        assertThrows(IllegalArgumentException.class, () -> c.ls.withExitPath(1, 0, 3, 2), "the last layer comes before the first");
        assertThrows(IllegalArgumentException.class, () -> c.ls.withExitPath(1, 0, 2, 5), "the last layer is L_final's");
    }

    @Test
    void projectionWhenWidthsDiffer() {
        long seed = dev.leap4j.TestSeed.next();
        Random rnd = new Random(seed);
        int L = 3, B = 4, Cs = 5 + rnd.nextInt(4), Ct = Cs + 1 + rnd.nextInt(5);
        check(randomCase(rnd, L, B, Cs, Ct, 1, 0.3, 0.4, 0.3), "projected (seed " + seed + ")");
    }

    @Test
    void studentEqualToTeacherHasZeroDistillationLoss() {
        Random rnd = new Random(dev.leap4j.TestSeed.next());
        Case c = randomCase(rnd, 3, 5, 6, 6, 1, 0.3, 0.4, 0.3);
        for (int b = 0; b < 5; b++) c.setToTeacher(3, b);
        LeapLoss.Terms t = c.compute();
        assertEquals(0, t.fin(), 1e-12);
        assertEquals(0, t.contrast(), 1e-12);
        assertTrue(t.exit() > 0, "exit margin is positive while earlier layers disagree");
    }

    @Test
    void projectionIsRequiredExactlyWhenWidthsDiffer() {
        Random rnd = new Random(dev.leap4j.TestSeed.next());
        Case c = randomCase(rnd, 2, 3, 4, 6, 1, 0, 0, 0);
        assertThrows(IllegalStateException.class, () -> new LeapLoss(c.ls, 3, 4, 6).compute(c.s, c.tl, c.tf, null, new float[2 * 3 * 4], null));
    }
}
