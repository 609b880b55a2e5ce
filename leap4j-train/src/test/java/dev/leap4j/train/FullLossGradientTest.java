package dev.leap4j.train;

import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.tensor.Parallel;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The full LEAP loss on a tiny model (vocab 50, hidden 16, 2 heads, 3 layers, intermediate 32, rows of 2..7 tokens):
 * the trainer's analytic gradient (float forward and backward) against central differences of an independent
 * double-precision reference forward ({@link DoubleRef}), contracted with the loss's gradient on the pooled states.
 * That gradient is checked term by term, projection included, in {@link LeapLossGradientTest}; contracting with it
 * here keeps float rounding out of the differences (the loss reads float arrays). Every parameter tensor is checked
 * on sampled entries; the bound (2e-3 relative per tensor) is float rounding accumulated through three layers.
 */
class FullLossGradientTest {
    private static final double EPS = 1e-5;

    void check(int teacherWidth) {
        check(teacherWidth, dev.leap4j.model.Pooling.MEAN);
    }

    void check(int teacherWidth, dev.leap4j.model.Pooling pooling) {
        boolean cls = pooling == dev.leap4j.model.Pooling.CLS;
        long seed = dev.leap4j.TestSeed.next();
        TinySetup s = new TinySetup(seed, teacherWidth);
        // the CLS case also carries the exit-path terms through the whole network
        LossSettings ls = cls ? s.loss.withExitPath(1, 0.5, 1) : s.loss;
        BertConfig c = s.cfg;
        int L = c.numLayers(), B = s.batch.rows(), C = c.hidden();
        LeapLoss leap = new LeapLoss(ls, B, C, teacherWidth);
        BertWeights g = new BertWeights(c);
        float[] dproj = s.proj == null ? null : new float[s.proj.length];
        float[] ds = new float[L * B * C];
        try (Parallel pool = new Parallel(2)) {
            StudentPass pass = new StudentPass(s.w, g, pool, 64, 8, 12, true, pooling);
            float[] pooled = pass.forward(s.batch);
            leap.compute(pooled, s.tLayers, s.tFinal, s.proj, ds, dproj);
            pass.backward(s.batch, ds);
        }
        // the chain rule: dLoss/dtheta = sum_i dLoss/dpooled_i * dpooled_i/dtheta, with dLoss/dpooled held at the
        // loss's own gradient (checked term by term in LeapLossGradientTest), so the differences run in double end to end
        double[][] p = DoubleRef.params(s.w);
        java.util.function.DoubleSupplier contracted = () -> {
            double[][][] ref = DoubleRef.pooledStates(c, p, s.batch, cls);
            double sum = 0;
            for (int l = 0; l < L; l++) for (int r = 0; r < B; r++) for (int k = 0; k < C; k++) sum += ds[(l * B + r) * C + k] * ref[l][r][k];
            return sum;
        };
        List<BertWeights.Param> gs = g.parameters();
        Random rnd = new Random(seed);
        for (int i = 0; i < p.length; i++) {
            float[] gr = gs.get(i).data();
            int samples = Math.min(p[i].length, 16);
            double[] an = new double[samples], fd = new double[samples];
            for (int j = 0; j < samples; j++) {
                int k = p[i].length <= 16 ? j : rnd.nextInt(p[i].length);
                if (i == 0) k = s.batch.ids()[rnd.nextInt(s.batch.tokens())] * C + rnd.nextInt(C); // a word row in use
                if (i == 1) k = rnd.nextInt(7 * C);                                                 // a position in use
                an[j] = gr[k];
                fd[j] = GradCheck.central(p[i], k, EPS, contracted);
            }
            double rel = GradCheck.relativeError(an, fd, 1e-7);
            assertTrue(rel < 2e-3, gs.get(i).name() + ": relative error " + rel + " (seed " + seed + ", teacher width " + teacherWidth + ", " + pooling + ")");
        }
    }

    @Test
    void sameWidthTeacher() {
        check(16);
    }

    @Test
    void clsPoolingWithTheExitPathTerms() {
        check(16, dev.leap4j.model.Pooling.CLS);
    }

    @Test
    void widerTeacherThroughProjection() {
        check(24);
    }
}
