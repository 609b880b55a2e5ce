package dev.leap4j.model;

import dev.leap4j.tensor.BackwardKernels;
import dev.leap4j.tensor.Kernels;
import dev.leap4j.tensor.Parallel;

/**
 * Hugging Face's BertIntermediate and BertOutput: GELU(x1 Wi + bi) Wo + bo, the residual and LayerNorm 2 (post-LN,
 * exact GELU). Every token row is independent. Weights: {@code intermediate.dense}, {@code output.dense},
 * {@code output.LayerNorm}.
 */
public final class BertFeedForward {
    private BertFeedForward() {}

    /** out (N, C) = LayerNorm(x1 + GELU(x1 Wi + bi) Wo + bo) from b.x1, keeping b.inter, b.act and b.ffnSum. */
    public static void forward(BertConfig c, BertWeights.Layer y, Parallel pool, LayerBuffers b, float[] out, int N) {
        int C = c.hidden(), I = c.intermediate();
        float eps = c.layerNormEps();
        Kernels.matmulForward(pool, b.inter, b.x1, y.interPacked(), y.interBias, N);
        pool.forRange(N, (t, m0, m1) -> {
            if (b.act != b.inter) System.arraycopy(b.inter, m0 * I, b.act, m0 * I, (m1 - m0) * I);
            Kernels.geluForward(b.act, m0 * I, m1 * I);
        });
        Kernels.matmulForward(pool, b.ffnSum, b.act, y.outPacked(), y.outBias, N);
        pool.forRange(N, (t, m0, m1) -> {
            Kernels.addInPlace(b.ffnSum, b.x1, m0 * C, m1 * C);
            Kernels.layerNormForward(out, b.ffnSum, y.outLnWeight, y.outLnBias, C, eps, m0, m1);
        });
    }

    /**
     * dOut (N, C): on entry the gradient of the output (clobbered); dx1 (N, C): receives the gradient of x1. f: the
     * activations the forward kept; g: gradient storage for this layer (its feed-forward arrays are overwritten).
     */
    public static void backward(BertConfig c, BertWeights.Layer y, BertWeights.Layer g, Parallel pool, LayerBuffers f,
                                BertLayer.BackwardBuffers b, float[] dOut, float[] dx1, int N) {
        int C = c.hidden(), I = c.intermediate();
        // out = LN2(ffnSum): dOut becomes dffnSum in place
        BackwardKernels.layerNormBackwardInPlace(pool, dOut, g.outLnWeight, g.outLnBias, f.ffnSum, y.outLnWeight, C, c.layerNormEps(), N);
        // ffnSum = act Wo + bo + x1
        BackwardKernels.matmulBackward(pool, b.dact, g.outWeight, g.outBias, f.act, dOut, y.outWeight, N, I, C, b.scratch);
        pool.forRange(N, (t, m0, m1) -> BackwardKernels.geluBackward(b.dact, b.dact, f.inter, m0 * I, m1 * I));
        // inter = x1 Wi + bi; dx1 = dinter Wi^T + dffnSum (residual)
        BackwardKernels.matmulBackward(pool, dx1, g.interWeight, g.interBias, f.x1, b.dact, y.interWeight, N, C, I, b.scratch);
        pool.forRange(N, (t, m0, m1) -> Kernels.addInPlace(dx1, dOut, m0 * C, m1 * C));
    }
}
