package dev.leap4j.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The SIMD backward kernels against their scalar twins at awkward sizes. */
class BackwardKernelsTest {
    private static final int[] SIZES = {1, 3, 7, 13, 33, 384, 1000};
    private final long seed = dev.leap4j.TestSeed.next();
    private final Random rnd = new Random(seed);

    private float[] gaussian(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    private int size() {
        return SIZES[rnd.nextInt(SIZES.length)];
    }

    @Test
    void matmulBackwardIsBitEqualToScalarTwinForAnyThreadCount() {
        for (int trial = 0; trial < 6; trial++) {
            int M = size(), K = size(), N = size();
            while ((long) M * K * N > 3_000_000) {
                if (M >= K && M >= N) M = SIZES[rnd.nextInt(4)];
                else if (K >= N) K = SIZES[rnd.nextInt(4)];
                else N = SIZES[rnd.nextInt(4)];
            }
            float[] x = gaussian(M * K), w = gaussian(K * N), dy = gaussian(M * N);
            float[] dx0 = new float[M * K], dW0 = new float[K * N], db0 = new float[N];
            ScalarBackwardKernels.matmulBackward(dx0, dW0, db0, x, dy, w, M, K, N);
            for (int threads : new int[]{1, 3}) {
                float[] dx = new float[M * K], dW = new float[K * N], db = new float[N];
                try (Parallel pool = new Parallel(threads)) {
                    BackwardKernels.matmulBackward(pool, dx, dW, db, x, dy, w, M, K, N, new float[Math.max(K * N, M * K)]);
                }
                String at = " at " + M + "x" + K + "x" + N + ", " + threads + " threads (seed " + seed + ")";
                assertArrayEquals(dx0, dx, "dx" + at);
                assertArrayEquals(dW0, dW, "dW" + at);
                // column sums: vector adds per lane in row order, the same order as the scalar loop
                assertArrayEquals(db0, db, "db" + at);
            }
        }
    }

    @Test
    void geluBackwardMatchesScalarTwin() {
        for (int n : SIZES) {
            float[] x = gaussian(n), dy = gaussian(n);
            for (int i = 0; i < n; i++) x[i] *= 3;
            float[] fast = new float[n], ref = new float[n];
            int off = rnd.nextInt(3);
            float[] xs = new float[n + off], dys = new float[n + off], fs = new float[n + off];
            System.arraycopy(x, 0, xs, off, n);
            System.arraycopy(dy, 0, dys, off, n);
            BackwardKernels.geluBackward(fs, dys, xs, off, off + n);
            System.arraycopy(fs, off, fast, 0, n);
            ScalarBackwardKernels.geluBackward(ref, dy, x, n);
            for (int i = 0; i < n; i++) assertEquals(ref[i], fast[i], 2e-6 * Math.max(1, Math.abs(ref[i])), "x=" + x[i] + " n=" + n + " seed " + seed);
        }
    }

    @Test
    void attentionBackwardMatchesScalarTwin() {
        for (int trial = 0; trial < 4; trial++) {
            int H = 1 + rnd.nextInt(4), D = new int[]{1, 3, 7, 8, 13, 32}[rnd.nextInt(6)], rows = 1 + rnd.nextInt(4);
            int[] lens = new int[rows], offsets = new int[rows];
            int n = 0, maxLen = 0;
            for (int r = 0; r < rows; r++) {
                lens[r] = new int[]{1, 3, 7, 13, 33}[rnd.nextInt(5)];
                offsets[r] = n;
                n += lens[r];
                maxLen = Math.max(maxLen, lens[r]);
            }
            int C = H * D;
            float[] qkv = gaussian(n * 3 * C), datt = gaussian(n * C);
            float[] ref = new float[n * 3 * C], fast = new float[n * 3 * C];
            java.util.Arrays.fill(fast, Float.NaN); // every element must be written
            ScalarBackwardKernels.attentionBackward(ref, datt, qkv, offsets, lens, H, D);
            int split = rnd.nextInt(rows * H + 1);
            BackwardKernels.attentionBackward(fast, datt, qkv, offsets, lens, H, D, 0, split, new float[maxLen], new float[maxLen]);
            BackwardKernels.attentionBackward(fast, datt, qkv, offsets, lens, H, D, split, rows * H, new float[maxLen], new float[maxLen]);
            for (int i = 0; i < ref.length; i++) {
                assertEquals(ref[i], fast[i], 1e-4 * Math.max(1, Math.abs(ref[i])), "element " + i + " (seed " + seed + ")");
            }
        }
    }

    @Test
    void transposeRoundTrips() {
        int M = size(), N = SIZES[rnd.nextInt(5)];
        float[] a = gaussian(M * N), t = new float[M * N], back = new float[M * N];
        try (Parallel pool = new Parallel(2)) {
            BackwardKernels.transpose(pool, t, a, M, N);
        }
        for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) assertEquals(a[i * N + j], t[j * M + i]);
        BackwardKernels.transpose(null, back, t, N, M);
        assertArrayEquals(a, back);
    }
}
