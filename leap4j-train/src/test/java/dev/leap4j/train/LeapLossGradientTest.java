package dev.leap4j.train;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loss kernels (cosine, sigmoid exit margin, in-batch similarity KL, projection) against central differences.
 * The loss is double end to end, so the bound is tight (1e-6).
 */
class LeapLossGradientTest {
    private static final double EPS = 1e-6;

    record Case(LossSettings ls, double[][][] s, double[][][] tl, double[][] tf, double[] proj) {}

    static Case randomCase(Random rnd, int L, int B, int Cs, int Ct, double wf, double wi, double we, double wc) {
        double[] lw = new double[L];
        for (int l = 0; l < L; l++) lw[l] = 0.2 + rnd.nextDouble();
        int Lt = L + 1;
        LossSettings ls = new LossSettings(wf, wi, we, wc, 0.7, 0.2 + 0.3 * rnd.nextDouble(), 10, 0.3 + rnd.nextDouble(), lw,
                LossSettings.defaultInterMap(L, Lt));
        double[][][] s = new double[L][B][Cs];
        // correlated layers, so cosines spread over the sigmoid's active range
        double[][] base = new double[B][Cs];
        for (double[] r : base) for (int c = 0; c < Cs; c++) r[c] = rnd.nextGaussian();
        for (int l = 0; l < L; l++) for (int b = 0; b < B; b++) for (int c = 0; c < Cs; c++) s[l][b][c] = base[b][c] + 0.8 * rnd.nextGaussian();
        double[][][] tl = new double[Lt + 1][B][Ct];
        tl[0] = null;
        for (int l = 1; l <= Lt; l++) for (double[] r : tl[l]) for (int c = 0; c < Ct; c++) r[c] = rnd.nextGaussian();
        double[] proj = null;
        if (Cs != Ct) {
            proj = new double[Cs * Ct];
            for (int i = 0; i < proj.length; i++) proj[i] = rnd.nextGaussian() / Math.sqrt(Cs);
        }
        return new Case(ls, s, tl, tl[Lt], proj);
    }

    static double value(Case c, double[][] exitTarget) {
        int L = c.s.length, B = c.s[0].length, Cs = c.s[0][0].length;
        return LeapLoss.compute(c.ls, c.s, c.tl, c.tf, c.proj, new double[L][B][Cs], c.proj == null ? null : new double[c.proj.length], exitTarget).total();
    }

    static void check(Case c, String what) {
        int L = c.s.length, B = c.s[0].length, Cs = c.s[0][0].length;
        double[][][] ds = new double[L][B][Cs];
        double[] dproj = c.proj == null ? null : new double[c.proj.length];
        LeapLoss.compute(c.ls, c.s, c.tl, c.tf, c.proj, ds, dproj);
        double[][] target = new double[B][];
        for (int b = 0; b < B; b++) target[b] = c.s[L - 1][b].clone(); // stop-gradient: held fixed under perturbation
        for (int l = 0; l < L; l++) {
            double[] an = new double[B * Cs], fd = new double[B * Cs];
            for (int b = 0; b < B; b++) {
                for (int k = 0; k < Cs; k++) {
                    an[b * Cs + k] = ds[l][b][k];
                    fd[b * Cs + k] = GradCheck.central(c.s[l][b], k, EPS, () -> value(c, target));
                }
            }
            double rel = GradCheck.relativeError(an, fd, 1e-8);
            assertTrue(rel < 1e-6, what + " layer " + (l + 1) + ": relative error " + rel);
        }
        if (c.proj != null) {
            double[] fd = new double[c.proj.length];
            for (int k = 0; k < fd.length; k++) fd[k] = GradCheck.central(c.proj, k, EPS, () -> value(c, target));
            double rel = GradCheck.relativeError(dproj, fd, 1e-8);
            assertTrue(rel < 1e-6, what + " projection: relative error " + rel);
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
            check(new Case(c.ls().withExitPath(weights[i][0], weights[i][1], from, to), c.s(), c.tl(), c.tf(), c.proj()),
                    names[i] + " on layers " + from + ".." + to + " (seed " + seed + ")");
        }
        Case c = randomCase(rnd, 4, 5, 6, 6, 1, 0.3, 0.4, 0.3);
        check(new Case(c.ls().withExitPath(1, 0.5, 2), c.s(), c.tl(), c.tf(), c.proj()), "every term (seed " + seed + ")");
        int Cs = 5, Ct = 8;
        Case p = randomCase(rnd, 3, 4, Cs, Ct, 1, 0, 0, 0.3);
        check(new Case(p.ls().withExitPath(1, 0.5, 1), p.s(), p.tl(), p.tf(), p.proj()), "exit path through the projection (seed " + seed + ")");
    }

    @Test
    void exitPathTermsAreOffInThePapersObjectiveAndZeroWhenTheLayersMatchTheTeacher() {
        LossSettings paper = LossSettings.paper(12, 12);
        assertEquals(0, paper.wAlign());
        assertEquals(0, paper.wRelational());
        Random rnd = new Random(dev.leap4j.TestSeed.next());
        Case c = randomCase(rnd, 4, 5, 6, 6, 0, 0, 0, 0);
        for (int l = 1; l < 4; l++) for (int b = 0; b < 5; b++) c.s[l][b] = c.tf[b].clone();
        LeapLoss.Terms t = LeapLoss.compute(c.ls.withExitPath(1, 1, 2), c.s, c.tl, c.tf, null, new double[4][5][6], null);
        assertEquals(0, t.align(), 1e-12);
        assertEquals(0, t.relational(), 1e-12);
        LeapLoss.Terms all = LeapLoss.compute(c.ls.withExitPath(1, 1, 1), c.s, c.tl, c.tf, null, new double[4][5][6], null);
        assertTrue(all.align() > 0 && all.relational() > 0, "layer 1 still differs from the teacher");
        assertThrows(IllegalArgumentException.class, () -> c.ls.withExitPath(1, 0, 4), "the last layer is L_final's, not the exit path's");
        assertThrows(IllegalArgumentException.class, () -> c.ls.withExitPath(0, 1, 0));
    }

    @Test
    void exitPathTermsStopAtTheirLastLayer() {
        long seed = dev.leap4j.TestSeed.next();
        Case c = randomCase(new Random(seed), 5, 4, 6, 6, 0, 0, 0, 0);
        for (int l = 1; l < 3; l++) for (int b = 0; b < 4; b++) c.s[l][b] = c.tf[b].clone();
        double[][][] ds = new double[5][4][6];
        LeapLoss.Terms upTo3 = LeapLoss.compute(c.ls.withExitPath(1, 1, 2, 3), c.s, c.tl, c.tf, null, ds, null);
        assertEquals(0, upTo3.align(), 1e-12, "layers 2-3 equal the teacher (seed " + seed + ")");
        assertEquals(0, upTo3.relational(), 1e-12);
        for (double[] row : ds[3]) for (double v : row) assertEquals(0, v, 0.0, "layer 4 is past the exit path: no gradient reaches it");
        LeapLoss.Terms upTo4 = LeapLoss.compute(c.ls.withExitPath(1, 1, 2, 4), c.s, c.tl, c.tf, null, ds, null);
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
        for (int b = 0; b < 5; b++) c.s[2][b] = c.tf[b].clone();
        LeapLoss.Terms t = LeapLoss.compute(c.ls, c.s, c.tl, c.tf, null, new double[3][5][6], null);
        assertEquals(0, t.fin(), 1e-12);
        assertEquals(0, t.contrast(), 1e-12);
        assertTrue(t.exit() > 0, "exit margin is positive while earlier layers disagree");
    }

    @Test
    void projectionIsRequiredExactlyWhenWidthsDiffer() {
        Random rnd = new Random(dev.leap4j.TestSeed.next());
        Case c = randomCase(rnd, 2, 3, 4, 6, 1, 0, 0, 0);
        assertThrows(IllegalArgumentException.class, () -> LeapLoss.compute(c.ls, c.s, c.tl, c.tf, null, new double[2][3][4], null));
    }
}
