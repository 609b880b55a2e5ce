package dev.leap4j.model;

import dev.leap4j.tensor.BackwardKernels;
import dev.leap4j.tensor.Kernels;
import dev.leap4j.tensor.Parallel;

/**
 * Hugging Face's BertAttention: self-attention (query, key and value fused into one (C, 3C) matrix here), the output
 * projection, the residual and LayerNorm 1 (post-LN). Attention runs per (row, head) over the row's own tokens only,
 * so no padding enters and a row's result does not depend on the rows beside it.
 * Weights: {@code attention.self.{query,key,value}}, {@code attention.output.dense}, {@code attention.output.LayerNorm}.
 */
public final class BertAttention {
    private BertAttention() {}

    /** Per-worker attention scratch for rows of up to maxLen tokens. */
    public static float[][] scratch(BertConfig c, int threads, int maxLen) {
        return new float[threads][Kernels.attentionScratchSize(c.headDim(), maxLen)];
    }

    /**
     * b.x1 (N, C) = LayerNorm(x + softmax(q k^T / sqrt(D)) v Wo + bo), keeping b.qkv, b.att and b.attnSum. y: the
     * layer's weights with their packed matrices. scores: per-worker scratch from {@link #scratch}.
     */
    public static void forward(BertConfig c, BertWeights.Layer y, Parallel pool, LayerBuffers b, float[][] scores, float[] x, PackedBatch batch) {
        int C = c.hidden(), H = c.numHeads(), D = c.headDim();
        int[] offsets = batch.offsets(), lens = batch.lens();
        int rows = batch.rows(), N = batch.tokens();
        Kernels.matmulForward(pool, b.qkv, x, y.qkvPacked(), y.qkvBias, N);
        pool.forRange(rows * H, (t, p0, p1) -> Kernels.attentionForward(b.att, b.qkv, offsets, lens, H, D, p0, p1, scores[t]));
        Kernels.matmulForward(pool, b.attnSum, b.att, y.attnOutPacked(), y.attnOutBias, N);
        float eps = c.layerNormEps();
        pool.forRange(N, (t, m0, m1) -> {
            Kernels.addInPlace(b.attnSum, x, m0 * C, m1 * C);
            Kernels.layerNormForward(b.x1, b.attnSum, y.attnLnWeight, y.attnLnBias, C, eps, m0, m1);
        });
    }

    /**
     * dx1 (N, C): on entry the gradient of x1 (clobbered); dx (N, C): receives the gradient of the input x. f: the
     * activations the forward kept; g: gradient storage for this layer (its attention arrays are overwritten).
     */
    public static void backward(BertConfig c, BertWeights.Layer y, BertWeights.Layer g, Parallel pool, LayerBuffers f,
                                BertLayer.BackwardBuffers b, float[] x, float[] dx1, float[] dx, PackedBatch batch) {
        int C = c.hidden(), H = c.numHeads(), D = c.headDim();
        int[] offsets = batch.offsets(), lens = batch.lens();
        int rows = batch.rows(), N = batch.tokens();
        // x1 = LN1(attnSum): dx1 becomes dattnSum
        BackwardKernels.layerNormBackwardInPlace(pool, dx1, g.attnLnWeight, g.attnLnBias, f.attnSum, y.attnLnWeight, C, c.layerNormEps(), N);
        // attnSum = att Wao + bao + x
        BackwardKernels.matmulBackward(pool, b.datt, g.attnOutWeight, g.attnOutBias, f.att, dx1, y.attnOutWeight, N, C, C, b.scratch);
        pool.forRange(rows * H, (t, p0, p1) -> BackwardKernels.attentionBackward(b.dqkv, b.datt, f.qkv, offsets, lens, H, D, p0, p1, b.probs[t], b.dprob[t]));
        // qkv = x Wqkv + b; dx = dqkv Wqkv^T + dattnSum (residual)
        BackwardKernels.matmulBackward(pool, dx, g.qkvWeight, g.qkvBias, x, b.dqkv, y.qkvWeight, N, C, 3 * C, b.scratch);
        pool.forRange(N, (t, m0, m1) -> Kernels.addInPlace(dx, dx1, m0 * C, m1 * C));
    }
}
