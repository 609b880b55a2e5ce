package dev.leap4j.tensor;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JIT-independent vector exp and the lane-ordered dot against double references. */
class DeterministicMathTest {
    private final long seed = dev.leap4j.TestSeed.next();

    @Test
    void vectorExpIsAccurateOverTheNormalRange() {
        Random rnd = new Random(seed);
        int L = Kernels.L;
        float[] x = new float[L], y = new float[L];
        for (int t = 0; t < 20_000; t++) {
            for (int i = 0; i < L; i++) x[i] = (float) (rnd.nextDouble() * 174 - 87);
            Kernels.expForward(FloatVector.fromArray(Kernels.S, x, 0)).intoArray(y, 0);
            for (int i = 0; i < L; i++) {
                double e = Math.exp(x[i]);
                assertEquals(e, y[i], 3e-7 * e, "exp(" + x[i] + ") seed " + seed);
            }
        }
        java.util.Arrays.fill(x, -200f);
        Kernels.expForward(FloatVector.fromArray(Kernels.S, x, 0)).intoArray(y, 0);
        assertTrue(y[0] >= 0 && y[0] < 1e-37, "clamped below: " + y[0]);
    }

    @Test
    void dotMatchesDoubleReferenceAtAwkwardSizes() {
        Random rnd = new Random(seed);
        for (int n : new int[]{1, 3, 7, 13, 33, 384, 1000}) {
            float[] a = new float[n + 2], b = new float[n + 1];
            for (int i = 0; i < a.length; i++) a[i] = (float) rnd.nextGaussian();
            for (int i = 0; i < b.length; i++) b[i] = (float) rnd.nextGaussian();
            double ref = 0, abs = 0;
            for (int i = 0; i < n; i++) {
                ref += (double) a[2 + i] * b[1 + i];
                abs += Math.abs((double) a[2 + i] * b[1 + i]);
            }
            assertEquals(ref, Kernels.dot(a, 2, b, 1, n), 1e-6 * abs + 1e-30, "n=" + n + " seed " + seed);
            assertEquals(ScalarKernels.dot(a, 2, b, 1, n), Kernels.dot(a, 2, b, 1, n), 1e-6 * abs + 1e-30, "n=" + n);
        }
    }
}
