package dev.leap4j.train;

import dev.leap4j.model.Pooling;
import dev.leap4j.tensor.BackwardKernels;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every backward kernel (float, as training runs it) against central differences of an independent double
 * reference of its forward, for the scalar objective sum(R * f(inputs)) with random R. Analytic gradients are
 * float, so the bound (1e-4 relative per tensor) reflects float rounding, not the differences (which are ~1e-10).
 */
class KernelGradientTest {
    private static final double EPS = 1e-5, BOUND = 1e-4;
    private final long seed = dev.leap4j.TestSeed.next();
    private final Random rnd = new Random(seed);

    private double[] gaussian(int n, double scale) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = scale * rnd.nextGaussian();
        return a;
    }

    /** Round to float first, so the double reference and the float kernel see the same inputs. */
    private static float[] f(double[] a) {
        float[] r = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = (float) a[i];
            a[i] = r[i];
        }
        return r;
    }

    private static double[] d(float[] a) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) r[i] = a[i];
        return r;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private void assertGrad(String what, float[] analytic, double[] p, DoubleSupplier loss) {
        double[] fd = new double[p.length];
        for (int k = 0; k < p.length; k++) fd[k] = GradCheck.central(p, k, EPS, loss);
        double rel = GradCheck.relativeError(d(analytic), fd, 1e-9);
        assertTrue(rel < BOUND, what + ": relative error " + rel + " (seed " + seed + ")");
    }

    @Test
    void matmulBackward() {
        int M = 1 + rnd.nextInt(7), K = 1 + rnd.nextInt(13), N = 1 + rnd.nextInt(33);
        double[] x = gaussian(M * K, 1), w = gaussian(K * N, 1), b = gaussian(N, 1), R = gaussian(M * N, 1);
        float[] xf = f(x), wf = f(w), rf = f(R);
        f(b);
        float[] dx = new float[M * K], dW = new float[K * N], db = new float[N];
        BackwardKernels.matmulBackward(null, dx, dW, db, xf, rf, wf, M, K, N, new float[Math.max(K * N, M * K)]);
        DoubleSupplier loss = () -> dot(R, DoubleRef.matmul(x, w, b, M, K, N));
        assertGrad("dx", dx, x, loss);
        assertGrad("dW", dW, w, loss);
        assertGrad("db", db, b, loss);
    }

    @Test
    void layerNormBackward() {
        // C >= 3: at C = 2 the normalised output is +-1 whatever x is, so the true dx is only the eps term (~1e-7 of
        // the incoming gradient) and float rounding in the kernel's cancellation dominates any relative measure.
        int M = 1 + rnd.nextInt(5), C = 3 + rnd.nextInt(40);
        float eps = 1e-5f;
        double[] x = gaussian(M * C, 2), g = gaussian(C, 1), b = gaussian(C, 1), R = gaussian(M * C, 1);
        for (int i = 0; i < x.length; i++) x[i] += 0.5; // a non-zero mean
        float[] xf = f(x), gf = f(g), rf = f(R);
        f(b);
        float[] dx = new float[M * C], dg = new float[C], db = new float[C];
        BackwardKernels.layerNormBackward(dx, dg, db, rf, xf, gf, C, eps, 0, M);
        DoubleSupplier loss = () -> dot(R, DoubleRef.layerNorm(x, g, b, M, C, eps));
        assertGrad("dx", dx, x, loss);
        assertGrad("dgamma", dg, g, loss);
        assertGrad("dbeta", db, b, loss);
    }

    @Test
    void geluBackward() {
        int n = 1 + rnd.nextInt(100);
        double[] x = gaussian(n, 2.5), R = gaussian(n, 1);
        float[] xf = f(x), rf = f(R);
        float[] dx = new float[n];
        BackwardKernels.geluBackward(dx, rf, xf, 0, n);
        assertGrad("dx", dx, x, () -> dot(R, DoubleRef.gelu(x)));
    }

    @Test
    void attentionBackward() {
        int H = 1 + rnd.nextInt(3), D = 1 + rnd.nextInt(6), rows = 1 + rnd.nextInt(3);
        int[] lens = new int[rows], offsets = new int[rows];
        int n = 0, maxLen = 0;
        for (int r = 0; r < rows; r++) {
            lens[r] = 1 + rnd.nextInt(5);
            offsets[r] = n;
            n += lens[r];
            maxLen = Math.max(maxLen, lens[r]);
        }
        int C = H * D;
        double[] qkv = gaussian(n * 3 * C, 1), R = gaussian(n * C, 1);
        float[] qf = f(qkv), rf = f(R);
        float[] dqkv = new float[n * 3 * C];
        BackwardKernels.attentionBackward(dqkv, rf, qf, offsets, lens, H, D, 0, rows * H, new float[maxLen], new float[maxLen]);
        assertGrad("dqkv", dqkv, qkv, () -> dot(R, DoubleRef.attention(qkv, offsets, lens, H, D)));
    }

    @Test
    void meanPoolBackward() {
        int C = 1 + rnd.nextInt(9), len = 1 + rnd.nextInt(6), off = rnd.nextInt(3);
        double[] x = gaussian((off + len) * C, 1), R = gaussian(C, 1);
        float[] rf = f(R);
        f(x);
        float[] dx = new float[x.length];
        Pooling.MEAN.backward(dx, C, off, len, rf, 0);
        assertGrad("dx", dx, x, () -> {
            double s = 0;
            for (int i = 0; i < len; i++) for (int k = 0; k < C; k++) s += R[k] * x[(off + i) * C + k] / len;
            return s;
        });
    }
}
