package dev.leap4j.tensor;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Every SIMD kernel against its scalar twin at awkward sizes, with random data from a reported seed. */
class KernelsTest {
    static final int[] SIZES = {1, 3, 7, 13, 33, 384, 1000};
    private final long seed = dev.leap4j.TestSeed.next();
    private final SplittableRandom rnd = new SplittableRandom(seed);

    private float[] gaussian(int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (scale * gauss());
        return a;
    }

    private double gauss() {
        return Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }

    private int pick(int... values) {
        return values[rnd.nextInt(values.length)];
    }

    private String where(String what) {
        return what + " (seed " + seed + ")";
    }

    private void assertBits(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(where(what + ": element " + i + " is " + actual[i] + ", expected bit-identical " + expected[i]));
            }
        }
    }

    @Test
    void matmulIsBitIdenticalToScalarTwinForAllColumnRanges() {
        for (int s : SIZES) {
            for (int dim = 0; dim < 3; dim++) {
                int M = dim == 0 ? s : pick(1, 2, 3, 4, 5, 8, 9, 12, 17);
                int K = dim == 1 ? s : pick(1, 3, 7, 16, 33);
                int N = dim == 2 ? s : pick(1, 3, 7, 13, 33, 48, 100);
                float[] x = gaussian(M * K, 1), w = gaussian(K * N, 0.5);
                float[] b = rnd.nextBoolean() ? gaussian(N, 1) : null;
                float[] ref = new float[M * N];
                ScalarKernels.matmulForward(ref, x, w, b, M, K, N);
                float[] all = new float[M * N];
                Kernels.matmulForward(all, x, w, b, M, K, N, 0, N);
                String shape = "matmul M=" + M + " K=" + K + " N=" + N + " bias=" + (b != null);
                assertBits(ref, all, shape);
                for (int trial = 0; trial < 4; trial++) {
                    int n0 = rnd.nextInt(N + 1), n1 = n0 + rnd.nextInt(N - n0 + 1);
                    float[] part = new float[M * N];
                    Arrays.fill(part, Float.NaN);
                    Kernels.matmulForward(part, x, w, b, M, K, N, n0, n1);
                    for (int m = 0; m < M; m++) {
                        for (int n = 0; n < N; n++) {
                            float v = part[m * N + n];
                            if (n >= n0 && n < n1) {
                                assertEquals(Float.floatToRawIntBits(ref[m * N + n]), Float.floatToRawIntBits(v),
                                        where(shape + " columns [" + n0 + "," + n1 + ") at (" + m + "," + n + ")"));
                            } else {
                                assertTrue(Float.isNaN(v), where(shape + " wrote column " + n + " outside [" + n0 + "," + n1 + ")"));
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void parallelMatmulGivesTheSameBitsForAnyThreadCount() {
        try (Parallel p1 = new Parallel(1); Parallel p2 = new Parallel(2); Parallel p3 = new Parallel(3)) {
            for (int trial = 0; trial < 6; trial++) {
                int M = pick(1, 3, 7, 13, 33), K = pick(7, 33, 64, 384), N = pick(13, 33, 384, 1000);
                float[] x = gaussian(M * K, 1), w = gaussian(K * N, 0.2);
                float[] b = rnd.nextBoolean() ? gaussian(N, 1) : null;
                float[] ref = new float[M * N];
                ScalarKernels.matmulForward(ref, x, w, b, M, K, N);
                for (Parallel p : new Parallel[]{null, p1, p2, p3}) {
                    float[] out = new float[M * N];
                    Kernels.matmulForward(p, out, x, w, b, M, K, N);
                    assertBits(ref, out, "matmul M=" + M + " K=" + K + " N=" + N + " threads=" + (p == null ? 0 : p.threads()));
                }
            }
        }
    }

    @Test
    void packedMatmulIsBitIdenticalToScalarTwinForAnyThreadCount() {
        try (Parallel p2 = new Parallel(2); Parallel p3 = new Parallel(3)) {
            for (int s : SIZES) {
                for (int dim = 0; dim < 3; dim++) {
                    int M = dim == 0 ? s : pick(1, 2, 3, 4, 5, 8, 9, 13, 17, 57);
                    int K = dim == 1 ? s : pick(1, 3, 7, 16, 33, 384);
                    int N = dim == 2 ? s : pick(1, 3, 7, 13, 24, 33, 48, 100, 384);
                    float[] x = gaussian(M * K, 1), w = gaussian(K * N, 0.5);
                    float[] b = rnd.nextBoolean() ? gaussian(N, 1) : null;
                    float[] ref = new float[M * N];
                    ScalarKernels.matmulForward(ref, x, w, b, M, K, N);
                    PackedMatrix pw = PackedMatrix.pack(w, K, N);
                    for (int k = 0; k < K; k++) for (int n = 0; n < N; n++) assertEquals(w[k * N + n], pw.get(k, n));
                    for (Parallel p : new Parallel[]{null, p2, p3}) {
                        float[] out = new float[M * N];
                        Kernels.matmulForward(p, out, x, pw, b, M);
                        assertBits(ref, out, "packed matmul M=" + M + " K=" + K + " N=" + N + " threads=" + (p == null ? 1 : p.threads()));
                    }
                }
            }
        }
    }

    @Test
    void int8MatmulIsBitIdenticalToScalarTwinForAnyThreadCount() {
        try (Parallel p2 = new Parallel(2); Parallel p3 = new Parallel(3)) {
            for (int s : SIZES) {
                for (int dim = 0; dim < 3; dim++) {
                    int M = dim == 0 ? s : pick(1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 17, 57);
                    int K = dim == 1 ? s : pick(1, 3, 7, 16, 33, 384);
                    int N = dim == 2 ? s : pick(1, 3, 7, 13, 16, 24, 33, 48, 100, 384);
                    float[] x = gaussian(M * K, 1), w = gaussian(K * N, 0.5);
                    if (rnd.nextInt(4) == 0) for (int k = 0; k < K; k++) w[k * N + rnd.nextInt(N)] = 0f;
                    int zeroColumn = rnd.nextInt(N);
                    for (int k = 0; k < K; k++) w[k * N + zeroColumn] = 0f;
                    float[] b = rnd.nextBoolean() ? gaussian(N, 1) : null;
                    ScalarKernels.Quantized q = ScalarKernels.quantize(w, K, N);
                    float[] ref = new float[M * N];
                    ScalarKernels.matmulForward(ref, x, q, b, M, K, N);
                    PackedMatrix pw = PackedMatrix.quantize(w, K, N);
                    String shape = "int8 matmul M=" + M + " K=" + K + " N=" + N + " bias=" + (b != null);
                    for (int n = 0; n < N; n++) {
                        assertEquals(q.scales()[n], pw.scale(n), where(shape + " scale of column " + n));
                        for (int k = 0; k < K; k++) {
                            assertEquals(q.codes()[k * N + n], pw.get(k, n), where(shape + " code at (" + k + "," + n + ")"));
                            // round to nearest: the code times the scale is within half a step of the weight
                            assertTrue(Math.abs(w[k * N + n] - pw.get(k, n) * pw.scale(n)) <= pw.scale(n) * 0.5f * (1 + 1e-5f),
                                    where(shape + " rounding at (" + k + "," + n + ")"));
                        }
                    }
                    for (Parallel p : new Parallel[]{null, p2, p3}) {
                        float[] out = new float[M * N];
                        Kernels.matmulForward(p, out, x, pw, b, M);
                        assertBits(ref, out, shape + " threads=" + (p == null ? 1 : p.threads()));
                    }
                }
            }
        }
    }

    @Test
    void int8MatmulRowsDoNotDependOnTheRowsBesideThem() {
        int K = 384, N = 1536, M = 13;
        float[] x = gaussian(M * K, 1), w = gaussian(K * N, 0.05), b = gaussian(N, 1);
        PackedMatrix pw = PackedMatrix.quantize(w, K, N);
        float[] all = new float[M * N];
        Kernels.matmulForward(null, all, x, pw, b, M);
        for (int m = 0; m < M; m++) {
            float[] one = new float[N];
            Kernels.matmulForward(null, one, Arrays.copyOfRange(x, m * K, (m + 1) * K), pw, b, 1);
            assertBits(Arrays.copyOfRange(all, m * N, (m + 1) * N), one, "int8 row " + m + " alone vs in 13 rows");
        }
    }

    @Test
    void quantizingRejectsAValueThatIsNotFinite() {
        float[] w = new float[12];
        w[5] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> PackedMatrix.quantize(w, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> PackedMatrix.quantize(new float[10], 3, 4));
    }

    @Test
    void packingRejectsAMatrixOfTheWrongSize() {
        assertThrows(IllegalArgumentException.class, () -> PackedMatrix.pack(new float[10], 3, 4));
    }

    @Test
    void layerNormMatchesScalarTwin() {
        for (int C : SIZES) {
            int M = pick(1, 2, 5);
            float[] x = gaussian(M * C, rnd.nextDouble(0.1, 3));
            // a shared offset makes the mean large relative to the spread, where float statistics would lose bits
            float offset = (float) rnd.nextDouble(-4, 4);
            for (int i = 0; i < x.length; i++) x[i] += offset;
            float[] gamma = gaussian(C, 1), beta = gaussian(C, 1);
            float eps = pick(0, 1) == 0 ? 1e-12f : 1e-5f;
            int m0 = rnd.nextInt(M), m1 = m0 + 1 + rnd.nextInt(M - m0);
            float[] ref = new float[M * C];
            float[] out = new float[M * C];
            Arrays.fill(out, Float.NaN);
            ScalarKernels.layerNormForward(ref, x, gamma, beta, C, eps, m0, m1);
            Kernels.layerNormForward(out, x, gamma, beta, C, eps, m0, m1);
            for (int i = 0; i < M * C; i++) {
                int m = i / C;
                if (m < m0 || m >= m1) {
                    assertTrue(Float.isNaN(out[i]), where("layerNorm wrote row " + m + " outside [" + m0 + "," + m1 + ")"));
                } else if (C > 1) {
                    assertEquals(ref[i], out[i], 2e-5 * (1 + Math.abs(ref[i])), where("layerNorm C=" + C + " at " + i));
                } else {
                    // one channel: the normalised value is 0 and only beta survives
                    assertEquals(beta[0], out[i], 1e-6, where("layerNorm C=1"));
                }
            }
            float[] inPlace = x.clone();
            Kernels.layerNormForward(inPlace, inPlace, gamma, beta, C, eps, m0, m1);
            for (int i = m0 * C; i < m1 * C; i++) {
                assertEquals(Float.floatToRawIntBits(out[i]), Float.floatToRawIntBits(inPlace[i]), where("layerNorm in place differs at " + i));
            }
        }
    }

    private static double exactGelu(double v) {
        return 0.5 * v * (1 + Erf.erf(v / Math.sqrt(2)));
    }

    @Test
    void geluIsExactErfGeluWithinFloatResolution() {
        for (int n : SIZES) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextBoolean() ? 3 * gauss() : rnd.nextDouble(-10, 10));
            float[] fast = x.clone(), scalar = x.clone();
            Kernels.geluForward(fast, 0, n);
            ScalarKernels.geluForward(scalar, n);
            for (int i = 0; i < n; i++) {
                double ref = exactGelu(x[i]);
                // 2e-7 absolute plus 2e-7 relative: about two float ulps of a unit-scale activation
                assertEquals(ref, fast[i], 2e-7 + 2e-7 * Math.abs(ref), where("gelu(" + x[i] + ")"));
                assertEquals(ref, scalar[i], 1e-7 + 6e-8 * Math.abs(ref), where("scalar gelu(" + x[i] + ")"));
            }
        }
        float[] special = {0f, -0f, 1e-30f, -1e-30f, 20f, -20f, 1e4f, -1e4f};
        float[] g = special.clone();
        Kernels.geluForward(g, 0, g.length);
        float[] expected = {0f, 0f, 5e-31f, -5e-31f, 20f, 0f, 1e4f, 0f};
        for (int i = 0; i < g.length; i++) assertEquals(expected[i], g[i], 1e-37 + 1e-7 * Math.abs(expected[i]), "gelu(" + special[i] + ")");
    }

    /** Batch invariance needs GELU to be a pure function of the element, not of where it sits in the range. */
    @Test
    void geluOfAnElementDoesNotDependOnItsPositionInTheRange() {
        int n = 200;
        float[] x = gaussian(n, 3);
        float[] whole = x.clone();
        Kernels.geluForward(whole, 0, n);
        for (int trial = 0; trial < 50; trial++) {
            int i0 = rnd.nextInt(n), i1 = i0 + 1 + rnd.nextInt(n - i0);
            float[] part = x.clone();
            Kernels.geluForward(part, i0, i1);
            for (int i = 0; i < n; i++) {
                float expected = i >= i0 && i < i1 ? whole[i] : x[i];
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(part[i]),
                        where("gelu over [" + i0 + "," + i1 + ") at " + i + " (x=" + x[i] + ")"));
            }
        }
    }

    @Test
    void attentionMatchesScalarTwinAndIgnoresOtherRows() {
        for (int len : SIZES) {
            if (len > 384) continue; // (len x len) scores per head: 1000 adds nothing the others do not test
            int H = pick(1, 2, 3, 4), D = pick(1, 3, 7, 8, 13, 16, 32);
            int rows = 1 + rnd.nextInt(4);
            int[] lens = new int[rows], offsets = new int[rows];
            int target = rnd.nextInt(rows), N = 0, maxLen = 0;
            for (int r = 0; r < rows; r++) {
                lens[r] = r == target ? len : pick(1, 3, 7, 13, 33);
                offsets[r] = N;
                N += lens[r];
                maxLen = Math.max(maxLen, lens[r]);
            }
            int C = H * D;
            float[] qkv = gaussian(N * 3 * C, 1.5);
            float[] ref = new float[N * C];
            ScalarKernels.attentionForward(ref, qkv, offsets, lens, H, D);
            float[] out = new float[N * C];
            float[] scores = new float[Kernels.attentionScratchSize(D, maxLen)];
            int pairs = rows * H;
            for (int p0 = 0; p0 < pairs; ) {
                int p1 = p0 + 1 + rnd.nextInt(pairs - p0);
                Kernels.attentionForward(out, qkv, offsets, lens, H, D, p0, p1, scores);
                p0 = p1;
            }
            String what = "attention len=" + len + " H=" + H + " D=" + D + " rows=" + Arrays.toString(lens);
            for (int i = 0; i < N * C; i++) assertEquals(ref[i], out[i], 1e-5 * (1 + Math.abs(ref[i])), where(what + " at " + i));

            // the target row alone, packed at offset 0, gives the same bits: other rows are not keys
            int[] one = {0}, oneLen = {len};
            float[] qkvAlone = Arrays.copyOfRange(qkv, offsets[target] * 3 * C, (offsets[target] + len) * 3 * C);
            float[] alone = new float[len * C];
            Kernels.attentionForward(alone, qkvAlone, one, oneLen, H, D, 0, H, new float[Kernels.attentionScratchSize(D, len)]);
            assertBits(Arrays.copyOfRange(out, offsets[target] * C, (offsets[target] + len) * C), alone, what + " alone vs packed");
        }
    }

    @Test
    void addInPlaceMatchesScalarTwinsExactly() {
        for (int n : SIZES) {
            int pad = 5 + n;
            float[] a = gaussian(n + pad, 1), b = gaussian(n + pad, 1);
            int i0 = rnd.nextInt(pad), i1 = i0 + n;
            float[] fast = a.clone(), ref = a.clone();
            Kernels.addInPlace(fast, b, i0, i1);
            for (int i = i0; i < i1; i++) ref[i] += b[i];
            assertBits(ref, fast, "addInPlace range n=" + n);

            int aOff = rnd.nextInt(pad), bOff = rnd.nextInt(pad);
            fast = a.clone();
            ref = a.clone();
            Kernels.addInPlace(fast, aOff, b, bOff, n);
            ScalarKernels.addInPlace(ref, aOff, b, bOff, n);
            assertBits(ref, fast, "addInPlace offsets n=" + n);

            float[] whole = Arrays.copyOf(a, n), wref = whole.clone();
            Kernels.addInPlace(whole, b, 0, n);
            ScalarKernels.addInPlace(wref, b, n);
            assertBits(wref, whole, "addInPlace whole n=" + n);
        }
    }

    @Test
    void dotIsAccurateAndAxpyIsBitIdentical() {
        for (int n : SIZES) {
            int pad = 9;
            float[] a = gaussian(n + pad, 1), b = gaussian(n + pad, 1);
            int aOff = rnd.nextInt(pad), bOff = rnd.nextInt(pad);
            double exact = 0, magnitude = 0;
            for (int i = 0; i < n; i++) {
                exact += (double) a[aOff + i] * b[bOff + i];
                magnitude += Math.abs((double) a[aOff + i] * b[bOff + i]);
            }
            // standard summation error bound: n * u * sum |a_i b_i|
            double bound = n * 0x1p-24 * magnitude + 1e-30;
            assertEquals(exact, Kernels.dot(a, aOff, b, bOff, n), bound, where("dot n=" + n));
            assertEquals(exact, ScalarKernels.dot(a, aOff, b, bOff, n), bound, where("scalar dot n=" + n));

            float alpha = (float) gauss();
            float[] y = gaussian(n + pad, 1);
            int yOff = rnd.nextInt(pad);
            float[] fast = y.clone(), ref = y.clone();
            Kernels.axpy(alpha, a, aOff, fast, yOff, n);
            ScalarKernels.axpy(alpha, a, aOff, ref, yOff, n);
            assertBits(ref, fast, "axpy n=" + n);
        }
        assertEquals(0f, Kernels.dot(new float[0], 0, new float[0], 0, 0));
    }
}
