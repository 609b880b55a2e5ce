package dev.leap4j.tensor;

/**
 * Plain scalar twins of {@link Kernels}: the reference every SIMD kernel is tested against.
 * Summation orders match the fast kernels where the engine relies on bit-exactness (the k-loop of
 * {@link #matmulForward} is a single fused-multiply-add chain per output element).
 */
public final class ScalarKernels {
    private ScalarKernels() {}

    /** out (M, N) = x (M, K) · w (K, N) + b (N); b may be null. */
    public static void matmulForward(float[] out, float[] x, float[] w, float[] b, int M, int K, int N) {
        for (int m = 0; m < M; m++) {
            for (int n = 0; n < N; n++) {
                float acc = 0f;
                for (int k = 0; k < K; k++) {
                    acc = Math.fma(x[m * K + k], w[k * N + n], acc);
                }
                out[m * N + n] = b == null ? acc : acc + b[n];
            }
        }
    }

    /** Symmetric int8 codes per column of w (K, N): scales[n] = max |w[., n]| / 127, codes = round(w / scale). */
    public record Quantized(byte[] codes, float[] scales) {}

    public static Quantized quantize(float[] w, int K, int N) {
        byte[] q = new byte[K * N];
        float[] scales = new float[N];
        for (int n = 0; n < N; n++) {
            float max = 0f;
            for (int k = 0; k < K; k++) max = Math.max(max, Math.abs(w[k * N + n]));
            scales[n] = max / 127f;
            for (int k = 0; k < K; k++) q[k * N + n] = scales[n] == 0f ? 0 : (byte) Math.max(-127, Math.min(127, Math.round(w[k * N + n] / scales[n])));
        }
        return new Quantized(q, scales);
    }

    /** out (M, N) = fma(x (M, K) · codes (K, N), scales (N), b (N)): the sum one fused chain, then scale and bias in one rounding. */
    public static void matmulForward(float[] out, float[] x, Quantized w, float[] b, int M, int K, int N) {
        for (int m = 0; m < M; m++) {
            for (int n = 0; n < N; n++) {
                float acc = 0f;
                for (int k = 0; k < K; k++) acc = Math.fma(x[m * K + k], (float) w.codes()[k * N + n], acc);
                out[m * N + n] = b == null ? acc * w.scales()[n] : Math.fma(acc, w.scales()[n], b[n]);
            }
        }
    }

    /** Row-wise layer norm over C for rows [m0, m1), the twin of {@link Kernels#layerNormForward}; out may alias x. */
    public static void layerNormForward(float[] out, float[] x, float[] gamma, float[] beta, int C, float eps, int m0, int m1) {
        for (int m = m0; m < m1; m++) {
            int o = m * C;
            double mean = LayerNormStats.rowMean(x, o, C);
            double rstd = LayerNormStats.rowRstd(x, o, C, mean, eps);
            for (int c = 0; c < C; c++) out[o + c] = (float) ((x[o + c] - mean) * rstd * gamma[c] + beta[c]);
        }
    }

    /** Exact GELU, x * Phi(x) with the error function, in place over n elements. */
    public static void geluForward(float[] x, int n) {
        for (int i = 0; i < n; i++) x[i] = gelu(x[i]);
    }

    public static float gelu(float v) {
        return (float) (0.5 * v * (1.0 + Erf.erf(v / Math.sqrt(2.0))));
    }

    /** a += b over n elements. */
    public static void addInPlace(float[] a, float[] b, int n) {
        for (int i = 0; i < n; i++) a[i] += b[i];
    }

    /** a[aOff..aOff+n) += b[bOff..bOff+n). */
    public static void addInPlace(float[] a, int aOff, float[] b, int bOff, int n) {
        for (int i = 0; i < n; i++) a[aOff + i] += b[bOff + i];
    }

    /** y[yOff..yOff+n) += alpha * x[xOff..xOff+n), one fused multiply-add per element like the fast kernel. */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] = Math.fma(x[xOff + i], alpha, y[yOff + i]);
    }

    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float acc = 0f;
        for (int i = 0; i < n; i++) acc = Math.fma(a[aOff + i], b[bOff + i], acc);
        return acc;
    }

    /** Scalar twin of {@link Kernels#attentionForward}, all (row, head) pairs. */
    public static void attentionForward(float[] out, float[] qkv, int[] offsets, int[] lens, int H, int D) {
        int C = H * D, C3 = 3 * C;
        double scale = 1.0 / Math.sqrt(D);
        for (int r = 0; r < lens.length; r++) {
            int off = offsets[r], len = lens[r];
            double[] s = new double[len];
            for (int h = 0; h < H; h++) {
                for (int i = 0; i < len; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < len; j++) {
                        double acc = 0;
                        for (int d = 0; d < D; d++) acc += (double) qkv[(off + i) * C3 + h * D + d] * qkv[(off + j) * C3 + C + h * D + d];
                        s[j] = acc * scale;
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < len; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int d = 0; d < D; d++) {
                        double acc = 0;
                        for (int j = 0; j < len; j++) acc += s[j] / sum * qkv[(off + j) * C3 + 2 * C + h * D + d];
                        out[(off + i) * C + h * D + d] = (float) acc;
                    }
                }
            }
        }
    }
}
