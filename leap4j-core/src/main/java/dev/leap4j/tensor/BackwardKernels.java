package dev.leap4j.tensor;

import jdk.incubator.vector.FloatVector;

/**
 * Backward passes of the forward kernels in {@link Kernels}, for training. Scalar twins: the tests' ScalarBackwardKernels.
 *
 * <p>Reproducibility: every gradient element is produced by one thread with a fixed summation order, so results are
 * bit-identical across runs and thread counts. Matmul gradients reuse {@link Kernels#matmulForward} on transposed
 * operands, which is also why they inherit its single fused-multiply-add chain per element.
 *
 * <p>Parameter gradients are written, not accumulated: in a BERT encoder every weight is used once per forward.
 */
public final class BackwardKernels {
    private BackwardKernels() {}

    private static final int TILE = 32;

    /** t (N, M) = a (M, N)^T, source rows [m0, m1); tiled so both sides stay in cache. */
    public static void transpose(float[] t, float[] a, int M, int N, int m0, int m1) {
        for (int i0 = m0; i0 < m1; i0 += TILE) {
            int i1 = Math.min(m1, i0 + TILE);
            for (int j0 = 0; j0 < N; j0 += TILE) {
                int j1 = Math.min(N, j0 + TILE);
                for (int i = i0; i < i1; i++) for (int j = j0; j < j1; j++) t[j * M + i] = a[i * N + j];
            }
        }
    }

    public static void transpose(Parallel pool, float[] t, float[] a, int M, int N) {
        if (pool == null || (long) M * N < 65_536) {
            transpose(t, a, M, N, 0, M);
            return;
        }
        pool.forRange((M + TILE - 1) / TILE, (w, s, e) -> transpose(t, a, M, N, s * TILE, Math.min(M, e * TILE)));
    }

    /**
     * Backward of y (M, N) = x (M, K) · w (K, N) + b: dx (M, K) = dy w^T, dW (K, N) = x^T dy, db (N) = column sums
     * of dy. Any of dx, dW, db may be null to skip it. scratch holds max(K·N, M·K) floats (the transposed operand).
     */
    public static void matmulBackward(Parallel pool, float[] dx, float[] dW, float[] db, float[] x, float[] dy, float[] w,
                                      int M, int K, int N, float[] scratch) {
        if (dx != null) {
            transpose(pool, scratch, w, K, N);                             // (N, K)
            Kernels.matmulForward(pool, dx, dy, scratch, null, M, N, K);
        }
        if (dW != null) {
            transpose(pool, scratch, x, M, K);                             // (K, M)
            Kernels.matmulForward(pool, dW, scratch, dy, null, K, M, N);
        }
        if (db != null) {
            if (pool == null || N < 2 * Kernels.L) columnSum(db, dy, M, N, 0, N);
            else {
                int chunks = N / Kernels.L;
                pool.forRange(chunks, (t, s, e) -> columnSum(db, dy, M, N, s * Kernels.L, e == chunks ? N : e * Kernels.L));
            }
        }
    }

    /** db[n] = sum over rows m (ascending) of dy[m, n], columns [n0, n1). */
    static void columnSum(float[] db, float[] dy, int M, int N, int n0, int n1) {
        java.util.Arrays.fill(db, n0, n1, 0f);
        for (int m = 0; m < M; m++) Kernels.addInPlace(db, n0, dy, m * N + n0, n1 - n0);
    }

    /**
     * In-place layer-norm backward over rows [0, N): d (N, C) from the gradient of the output to that of the input,
     * rows in parallel; dgamma and dbeta (C) from one fixed-order pass first, so they do not depend on the threads.
     */
    public static void layerNormBackwardInPlace(Parallel pool, float[] d, float[] dgamma, float[] dbeta, float[] x, float[] gamma,
                                                int C, float eps, int N) {
        layerNormBackward(null, dgamma, dbeta, d, x, gamma, C, eps, 0, N);
        pool.forRange(N, (t, m0, m1) -> layerNormBackward(d, null, null, d, x, gamma, C, eps, m0, m1));
    }

    /**
     * Layer-norm backward for rows [m0, m1): dx (M, C) from dy and the forward input x
     * (null to compute only the parameter sums). Mean and rstd are recomputed
     * exactly as {@link Kernels#layerNormForward} does (double statistics, float normalisation). dx may alias dy.
     * dgamma/dbeta (C), when not null, are overwritten with this range's sums (call once over all rows for them).
     */
    public static void layerNormBackward(float[] dx, float[] dgamma, float[] dbeta, float[] dy, float[] x, float[] gamma,
                                         int C, float eps, int m0, int m1) {
        if (dgamma != null) java.util.Arrays.fill(dgamma, 0, C, 0f);
        if (dbeta != null) java.util.Arrays.fill(dbeta, 0, C, 0f);
        for (int m = m0; m < m1; m++) {
            int o = m * C;
            double mean = LayerNormStats.rowMean(x, o, C);
            float fmean = (float) mean;
            float rstd = (float) LayerNormStats.rowRstd(x, o, C, mean, eps);
            // dx = rstd * (g*dy - mean(g*dy) - xhat * mean(g*dy*xhat)), the two means in double
            double a = 0, b = 0;
            for (int c = 0; c < C; c++) {
                float xhat = (x[o + c] - fmean) * rstd;
                double g = (double) dy[o + c] * gamma[c];
                a += g;
                b += g * xhat;
                if (dgamma != null) dgamma[c] += dy[o + c] * xhat;
                if (dbeta != null) dbeta[c] += dy[o + c];
            }
            if (dx == null) continue;
            a /= C;
            b /= C;
            for (int c = 0; c < C; c++) {
                float xhat = (x[o + c] - fmean) * rstd;
                dx[o + c] = (float) (rstd * ((double) dy[o + c] * gamma[c] - a - xhat * b));
            }
        }
    }

    /** dx = dy * GELU'(x) over [i0, i1), GELU'(x) = Phi(x) + x phi(x) (exact erf GELU). dx may alias dy. */
    public static void geluBackward(float[] dx, float[] dy, float[] x, int i0, int i1) {
        int i = i0;
        FloatVector invSqrt2 = FloatVector.broadcast(Kernels.S, (float) (1 / Math.sqrt(2)));
        FloatVector invSqrt2Pi = FloatVector.broadcast(Kernels.S, (float) (1 / Math.sqrt(2 * Math.PI)));
        FloatVector half = FloatVector.broadcast(Kernels.S, 0.5f);
        for (; i + Kernels.L <= i1; i += Kernels.L) {
            FloatVector v = FloatVector.fromArray(Kernels.S, x, i);
            FloatVector cdf = Kernels.onePlusErf(v.mul(invSqrt2)).mul(half);
            FloatVector pdf = Kernels.expForward(v.mul(v).mul(-0.5f)).mul(invSqrt2Pi);
            FloatVector.fromArray(Kernels.S, dy, i).mul(v.fma(pdf, cdf)).intoArray(dx, i);
        }
        for (; i < i1; i++) {
            float v = x[i];
            float u = v * (float) (1 / Math.sqrt(2));
            float erfc = Kernels.erfcAbsFast(u);
            float cdf = 0.5f * (u < 0 ? erfc : 2f - erfc);
            float pdf = Kernels.expFast(-0.5f * v * v) * (float) (1 / Math.sqrt(2 * Math.PI));
            dx[i] = dy[i] * Math.fma(v, pdf, cdf);
        }
    }

    /**
     * Backward of {@link Kernels#attentionForward} for (row, head) pairs [p0, p1): writes dqkv (Ntok, 3C) for those
     * pairs' tokens and head columns (pairs are disjoint, so workers never share an element). The forward does not
     * keep the attention probabilities, so they are recomputed here, with Math.exp and a sequential sum rather than
     * the forward's vector exp and lane-ordered sum: equal to the forward's within float rounding (not bit for bit),
     * which is what the finite-difference checks allow. probs, dprob: per-worker scratch of max(lens) floats each.
     */
    public static void attentionBackward(float[] dqkv, float[] datt, float[] qkv, int[] offsets, int[] lens, int H, int D,
                                         int p0, int p1, float[] probs, float[] dprob) {
        int C = H * D, C3 = 3 * C;
        float scale = (float) (1.0 / Math.sqrt(D));
        for (int p = p0; p < p1; p++) {
            int r = p / H, h = p % H;
            int off = offsets[r], len = lens[r];
            for (int i = 0; i < len; i++) {
                int base = (off + i) * C3 + h * D;
                java.util.Arrays.fill(dqkv, base, base + D, 0f);
                java.util.Arrays.fill(dqkv, base + C, base + C + D, 0f);
                java.util.Arrays.fill(dqkv, base + 2 * C, base + 2 * C + D, 0f);
            }
            for (int i = 0; i < len; i++) {
                int q = (off + i) * C3 + h * D;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < len; j++) {
                    float s = Kernels.dot(qkv, q, qkv, (off + j) * C3 + C + h * D, D) * scale;
                    probs[j] = s;
                    if (s > max) max = s;
                }
                float sum = 0f;
                for (int j = 0; j < len; j++) {
                    float e = (float) Math.exp(probs[j] - max);
                    probs[j] = e;
                    sum += e;
                }
                float inv = 1f / sum;
                for (int j = 0; j < len; j++) probs[j] *= inv;
                int dO = (off + i) * C + h * D;
                // dP_ij = dO_i . v_j; dv_j += p_ij dO_i; softmax backward dS_ij = p_ij (dP_ij - sum_j p_ij dP_ij)
                double rowDot = 0;
                for (int j = 0; j < len; j++) {
                    int v = (off + j) * C3 + 2 * C + h * D;
                    float dP = Kernels.dot(datt, dO, qkv, v, D);
                    float pij = probs[j];
                    Kernels.axpy(pij, datt, dO, dqkv, v, D);
                    rowDot += (double) pij * dP;
                    dprob[j] = dP;
                }
                float rd = (float) rowDot;
                for (int j = 0; j < len; j++) {
                    float dS = probs[j] * (dprob[j] - rd) * scale;
                    int k = (off + j) * C3 + C + h * D;
                    Kernels.axpy(dS, qkv, k, dqkv, q, D);
                    Kernels.axpy(dS, qkv, q, dqkv, k, D);
                }
            }
        }
    }
}
