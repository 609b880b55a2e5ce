package dev.leap4j.tensor;

/**
 * Layer norm's row statistics, in double, shared by the forward kernels, the backward and the scalar reference,
 * so that all three normalise with the same numbers.
 */
public final class LayerNormStats {
    private LayerNormStats() {}

    /** Mean of row x[o, o + C), summed in double: the mean of 384 floats loses bits in float. */
    public static double rowMean(float[] x, int o, int C) {
        double sum = 0;
        for (int c = 0; c < C; c++) sum += x[o + c];
        return sum / C;
    }

    /** 1 / sqrt(variance + eps) of row x[o, o + C) about its mean, in double: layer norm's statistics, shared by
     *  the forward kernels and the backward so that all normalise with the same numbers. */
    public static double rowRstd(float[] x, int o, int C, double mean, float eps) {
        double var = 0;
        for (int c = 0; c < C; c++) {
            double d = x[o + c] - mean;
            var += d * d;
        }
        var /= C;
        return 1.0 / Math.sqrt(var + eps);
    }
}
