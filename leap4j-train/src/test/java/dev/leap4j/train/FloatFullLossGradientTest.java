package dev.leap4j.train;

import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.tensor.Parallel;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training step's analytic gradient (float forward + backward + double loss) against central differences of
 * the same float forward. Float forces a large step (1e-2) and a loose bound: the double-precision check is
 * {@link FullLossGradientTest}; this one guards the float pipeline the trainer actually runs, threads included.
 */
class FloatFullLossGradientTest {
    private double[][] target;

    double loss(TinySetup s, StudentPass pass, double[][][] ds, double[] dproj) {
        BertConfig c = s.cfg;
        int L = c.numLayers(), B = s.batch.rows(), C = c.hidden();
        float[] pooled = pass.forward(s.batch);
        double[][][] sd = new double[L][B][C];
        for (int l = 0; l < L; l++) for (int r = 0; r < B; r++) for (int k = 0; k < C; k++) sd[l][r][k] = pooled[(l * B + r) * C + k];
        if (target == null) target = sd[L - 1]; // L_exit_s's stop-gradient target: fixed at the unperturbed value
        return LeapLoss.compute(s.loss, sd, s.tLayers, s.tFinal, s.proj, ds, dproj, target).total();
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
            double[][][] ds = new double[L][B][C];
            loss(s, pass, ds, null);
            float[] dp = new float[L * B * C];
            for (int l = 0; l < L; l++) for (int r = 0; r < B; r++) for (int k = 0; k < C; k++) dp[(l * B + r) * C + k] = (float) ds[l][r][k];
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
                    double up = loss(s, pass, new double[L][B][C], null);
                    p[k] = orig - eps;
                    double down = loss(s, pass, new double[L][B][C], null);
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
