package dev.leap4j.tensor;

/** Plain scalar twins of {@link BackwardKernels}: the reference the SIMD backward kernels are tested against. */
public final class ScalarBackwardKernels {
    private ScalarBackwardKernels() {}

    /**
     * dx (M, K) = dy w^T, dW (K, N) = x^T dy, db (N) = column sums; each element one fused-multiply-add chain in
     * ascending order, the order the fast kernel's reuse of the forward matmul produces (so results are bit-equal).
     */
    public static void matmulBackward(float[] dx, float[] dW, float[] db, float[] x, float[] dy, float[] w, int M, int K, int N) {
        if (dx != null) {
            for (int m = 0; m < M; m++) {
                for (int k = 0; k < K; k++) {
                    float acc = 0f;
                    for (int n = 0; n < N; n++) acc = Math.fma(dy[m * N + n], w[k * N + n], acc);
                    dx[m * K + k] = acc;
                }
            }
        }
        if (dW != null) {
            for (int k = 0; k < K; k++) {
                for (int n = 0; n < N; n++) {
                    float acc = 0f;
                    for (int m = 0; m < M; m++) acc = Math.fma(x[m * K + k], dy[m * N + n], acc);
                    dW[k * N + n] = acc;
                }
            }
        }
        if (db != null) {
            for (int n = 0; n < N; n++) {
                float acc = 0f;
                for (int m = 0; m < M; m++) acc += dy[m * N + n];
                db[n] = acc;
            }
        }
    }

    /** dx = dy * (Phi(x) + x phi(x)) in double with the accurate error function. */
    public static void geluBackward(float[] dx, float[] dy, float[] x, int n) {
        for (int i = 0; i < n; i++) {
            double v = x[i];
            double cdf = 0.5 * (1 + Erf.erf(v / Math.sqrt(2)));
            double pdf = Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI);
            dx[i] = (float) (dy[i] * (cdf + v * pdf));
        }
    }

    /** Scalar twin of {@link BackwardKernels#attentionBackward}, all (row, head) pairs, in double. */
    public static void attentionBackward(float[] dqkv, float[] datt, float[] qkv, int[] offsets, int[] lens, int H, int D) {
        int C = H * D, C3 = 3 * C;
        double scale = 1.0 / Math.sqrt(D);
        for (int r = 0; r < lens.length; r++) {
            int off = offsets[r], len = lens[r];
            for (int h = 0; h < H; h++) {
                double[][] acc = new double[len][3 * D]; // per token: dq | dk | dv for this head
                for (int i = 0; i < len; i++) {
                    double[] p = new double[len];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < len; j++) {
                        double s = 0;
                        for (int d = 0; d < D; d++) s += (double) qkv[(off + i) * C3 + h * D + d] * qkv[(off + j) * C3 + C + h * D + d];
                        p[j] = s * scale;
                        max = Math.max(max, p[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < len; j++) {
                        p[j] = Math.exp(p[j] - max);
                        sum += p[j];
                    }
                    double[] dP = new double[len];
                    double rowDot = 0;
                    for (int j = 0; j < len; j++) {
                        p[j] /= sum;
                        for (int d = 0; d < D; d++) {
                            double g = datt[(off + i) * C + h * D + d];
                            dP[j] += g * qkv[(off + j) * C3 + 2 * C + h * D + d];
                            acc[j][2 * D + d] += p[j] * g;
                        }
                        rowDot += p[j] * dP[j];
                    }
                    for (int j = 0; j < len; j++) {
                        double dS = p[j] * (dP[j] - rowDot) * scale;
                        for (int d = 0; d < D; d++) {
                            acc[i][d] += dS * qkv[(off + j) * C3 + C + h * D + d];
                            acc[j][D + d] += dS * qkv[(off + i) * C3 + h * D + d];
                        }
                    }
                }
                for (int i = 0; i < len; i++) {
                    for (int part = 0; part < 3; part++) {
                        for (int d = 0; d < D; d++) dqkv[(off + i) * C3 + part * C + h * D + d] = (float) acc[i][part * D + d];
                    }
                }
            }
        }
    }
}
