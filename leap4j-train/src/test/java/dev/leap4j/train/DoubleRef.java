package dev.leap4j.train;

import dev.leap4j.model.PackedBatch;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.tensor.Erf;

import java.util.List;

/**
 * A double-precision scalar reference of the encoder forward and its pieces, written independently of the engine,
 * so finite differences on it are accurate to ~1e-10 and gradient checks can use tight bounds.
 */
final class DoubleRef {
    private DoubleRef() {}

    static double[] matmul(double[] x, double[] w, double[] b, int M, int K, int N) {
        double[] y = new double[M * N];
        for (int m = 0; m < M; m++) {
            for (int n = 0; n < N; n++) {
                double acc = b == null ? 0 : b[n];
                for (int k = 0; k < K; k++) acc += x[m * K + k] * w[k * N + n];
                y[m * N + n] = acc;
            }
        }
        return y;
    }

    static double[] layerNorm(double[] x, double[] g, double[] b, int M, int C, double eps) {
        double[] y = new double[M * C];
        for (int m = 0; m < M; m++) {
            double mean = 0, var = 0;
            for (int c = 0; c < C; c++) mean += x[m * C + c];
            mean /= C;
            for (int c = 0; c < C; c++) var += (x[m * C + c] - mean) * (x[m * C + c] - mean);
            var /= C;
            double rstd = 1 / Math.sqrt(var + eps);
            for (int c = 0; c < C; c++) y[m * C + c] = (x[m * C + c] - mean) * rstd * g[c] + b[c];
        }
        return y;
    }

    static double[] gelu(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = 0.5 * x[i] * (1 + Erf.erf(x[i] / Math.sqrt(2)));
        return y;
    }

    static double[] attention(double[] qkv, int[] offsets, int[] lens, int H, int D) {
        int C = H * D, C3 = 3 * C;
        int N = offsets[lens.length - 1] + lens[lens.length - 1];
        double[] out = new double[N * C];
        double scale = 1 / Math.sqrt(D);
        for (int r = 0; r < lens.length; r++) {
            int off = offsets[r], len = lens[r];
            for (int h = 0; h < H; h++) {
                for (int i = 0; i < len; i++) {
                    double[] p = new double[len];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < len; j++) {
                        double s = 0;
                        for (int d = 0; d < D; d++) s += qkv[(off + i) * C3 + h * D + d] * qkv[(off + j) * C3 + C + h * D + d];
                        p[j] = s * scale;
                        max = Math.max(max, p[j]);
                    }
                    for (int j = 0; j < len; j++) sum += p[j] = Math.exp(p[j] - max);
                    for (int d = 0; d < D; d++) {
                        double acc = 0;
                        for (int j = 0; j < len; j++) acc += p[j] / sum * qkv[(off + j) * C3 + 2 * C + h * D + d];
                        out[(off + i) * C + h * D + d] = acc;
                    }
                }
            }
        }
        return out;
    }

    static double[] add(double[] a, double[] b) {
        double[] y = a.clone();
        for (int i = 0; i < y.length; i++) y[i] += b[i];
        return y;
    }

    /** Parameters as double arrays, in {@link BertWeights#parameters()} order. */
    static double[][] params(BertWeights w) {
        List<BertWeights.Param> ps = w.parameters();
        double[][] p = new double[ps.size()][];
        for (int i = 0; i < p.length; i++) {
            float[] f = ps.get(i).data();
            p[i] = new double[f.length];
            for (int k = 0; k < f.length; k++) p[i][k] = f[k];
        }
        return p;
    }

    /** Masked-mean pooled state after every layer, (L)(B)(C), for the parameters p (BertWeights order). */
    static double[][][] pooledStates(BertConfig c, double[][] p, PackedBatch b) {
        return pooledStates(c, p, b, false);
    }

    /** As above; cls: each row's first token state instead of the mean. */
    static double[][][] pooledStates(BertConfig c, double[][] p, PackedBatch b, boolean cls) {
        int C = c.hidden(), I = c.intermediate(), H = c.numHeads(), D = c.headDim(), L = c.numLayers();
        int N = b.tokens(), B = b.rows();
        double[] x = new double[N * C];
        for (int r = 0; r < B; r++) {
            for (int i = 0; i < b.lens()[r]; i++) {
                int t = b.offsets()[r] + i;
                for (int k = 0; k < C; k++) x[t * C + k] = p[0][b.ids()[t] * C + k] + p[1][i * C + k] + p[2][b.typeIds()[t] * C + k];
            }
        }
        double eps = c.layerNormEps();
        x = layerNorm(x, p[3], p[4], N, C, eps);
        double[][][] pooled = new double[L][B][C];
        for (int l = 0; l < L; l++) {
            int o = 5 + 12 * l;
            double[] qkv = matmul(x, p[o], p[o + 1], N, C, 3 * C);
            double[] att = attention(qkv, b.offsets(), b.lens(), H, D);
            double[] x1 = layerNorm(add(matmul(att, p[o + 2], p[o + 3], N, C, C), x), p[o + 4], p[o + 5], N, C, eps);
            double[] act = gelu(matmul(x1, p[o + 6], p[o + 7], N, C, I));
            x = layerNorm(add(matmul(act, p[o + 8], p[o + 9], N, I, C), x1), p[o + 10], p[o + 11], N, C, eps);
            for (int r = 0; r < B; r++) {
                if (cls) {
                    for (int k = 0; k < C; k++) pooled[l][r][k] = x[b.offsets()[r] * C + k];
                    continue;
                }
                for (int i = 0; i < b.lens()[r]; i++) {
                    for (int k = 0; k < C; k++) pooled[l][r][k] += x[(b.offsets()[r] + i) * C + k] / b.lens()[r];
                }
            }
        }
        return pooled;
    }
}
