package dev.leap4j.tensor;

/**
 * Layer norm's row statistics, in double, shared by the forward kernels, the backward and the scalar reference,
 * so that all three normalise with the same numbers.
 */
public final class LayerNormStats {
    private LayerNormStats() {}

    /** Mean of row x[o, o + C), summed in double: the mean of 384 floats loses bits in float. */
    public static double rowMean(float[] x, int o, int C) {
        // four partial sums in a fixed order: one chain of dependent adds would wait on the adder's latency
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int c = 0;
        for (; c + 4 <= C; c += 4) {
            s0 += x[o + c];
            s1 += x[o + c + 1];
            s2 += x[o + c + 2];
            s3 += x[o + c + 3];
        }
        for (; c < C; c++) s0 += x[o + c];
        return ((s0 + s1) + (s2 + s3)) / C;
    }

    /** 1 / sqrt(variance + eps) of row x[o, o + C) about its mean, in double: layer norm's statistics, shared by
     *  the forward kernels and the backward so that all normalise with the same numbers. */
    public static double rowRstd(float[] x, int o, int C, double mean, float eps) {
        double v0 = 0, v1 = 0, v2 = 0, v3 = 0;
        int c = 0;
        for (; c + 4 <= C; c += 4) {
            double d0 = x[o + c] - mean, d1 = x[o + c + 1] - mean, d2 = x[o + c + 2] - mean, d3 = x[o + c + 3] - mean;
            v0 += d0 * d0;
            v1 += d1 * d1;
            v2 += d2 * d2;
            v3 += d3 * d3;
        }
        for (; c < C; c++) {
            double d = x[o + c] - mean;
            v0 += d * d;
        }
        double var = ((v0 + v1) + (v2 + v3)) / C;
        return 1.0 / Math.sqrt(var + eps);
    }
}
