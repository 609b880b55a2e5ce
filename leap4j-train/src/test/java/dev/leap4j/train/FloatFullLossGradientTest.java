package dev.leap4j.train;

import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.tensor.Parallel;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training step's analytic gradient (float forward and backward, a loss summed in double) against central differences of
 * the same float forward. Float forces a large step (1e-2) and a loose bound: the double-precision check is
 * {@link FullLossGradientTest}; this one guards the float pipeline the trainer actually runs, threads included.
 */
class FloatFullLossGradientTest {
    private float[] target;
    private LeapLoss leap;

    double loss(TinySetup s, StudentPass pass, float[] ds, float[] dproj) {
        BertConfig c = s.cfg;
        int L = c.numLayers(), B = s.batch.rows(), C = c.hidden();
        float[] pooled = pass.forward(s.batch);
        if (leap == null) leap = new LeapLoss(s.loss, B, C, C);
        if (target == null) target = java.util.Arrays.copyOfRange(pooled, (L - 1) * B * C, L * B * C); // L_exit_s's target: the unperturbed value
        return leap.compute(pooled, s.tLayers, s.tFinal, s.proj, ds, dproj, target, 0).total();
    }

    @Test
    void analyticGradientMatchesFloatFiniteDifferences() {
        long seed = dev.leap4j.TestSeed.next();
        TinySetup s = new TinySetup(seed, 16);
        BertConfig c = s.cfg;
        int L = c.numLayers(), B = s.batch.rows(), C = c.hidden();
        BertWeights g = new BertWeights(c);
        try (Parallel pool = new Parallel(2)) {
            StudentPass pass = new StudentPass(s.w, g, pool, 64, 8, 12, true);
            float[] dp = new float[L * B * C];
            loss(s, pass, dp, null);
            pass.backward(s.batch, dp);
            List<BertWeights.Param> ps = s.w.parameters(), gs = g.parameters();
            Random rnd = new Random(seed);
            float eps = 1e-2f;
            for (int i = 0; i < ps.size(); i++) {
                float[] p = ps.get(i).data(), gr = gs.get(i).data();
                double num = 0, den = 0;
                for (int trial = 0; trial < 6; trial++) {
                    int k = rnd.nextInt(p.length);
                    if (i == 0) k = s.batch.ids()[rnd.nextInt(s.batch.tokens())] * C + rnd.nextInt(C); // a used word row
                    float orig = p[k];
                    p[k] = orig + eps;
                    double up = loss(s, pass, new float[L * B * C], null);
                    p[k] = orig - eps;
                    double down = loss(s, pass, new float[L * B * C], null);
                    p[k] = orig;
                    double fd = (up - down) / (2 * eps);
                    num += (fd - gr[k]) * (fd - gr[k]);
                    den += fd * fd + (double) gr[k] * gr[k];
                }
                double rel = Math.sqrt(num / Math.max(den, 1e-20));
                assertTrue(rel < 1e-2 || Math.sqrt(num) < 1e-5, ps.get(i).name() + ": relative error " + rel + " (seed " + seed + ")");
            }
        }
    }
}
