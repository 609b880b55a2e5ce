package dev.leap4j.model;

import dev.leap4j.tensor.Kernels;
import dev.leap4j.tensor.Parallel;

/**
 * The BERT encoder forward pass (post-LN, exact GELU), one layer at a time so callers can stop early.
 * Inputs are packed without padding ({@link PackedBatch}): row r owns tokens [offsets[r], offsets[r] + lens[r]) of
 * every (N, ·) buffer. {@link EncoderStack} runs these one layer after another.
 * Each token's computation depends only on its own row, which is why results do not depend on batch composition.
 */
public final class EncoderForward {
    private EncoderForward() {}

    /** x (N, C) = LayerNorm(word[ids] + position[pos] + type[typeIds]); positions restart at 0 in every row. */
    public static void embeddingsForward(BertWeights w, float[] x, PackedBatch batch) {
        BertConfig c = w.config;
        int[] ids = batch.ids(), typeIds = batch.typeIds(), offsets = batch.offsets(), lens = batch.lens();
        int rows = batch.rows();
        int C = c.hidden();
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < lens[r]; i++) {
                int t = offsets[r] + i;
                int id = ids[t], type = typeIds[t];
                if (id < 0 || id >= c.vocabSize()) throw new IllegalArgumentException("token id " + id + " outside the vocabulary (" + c.vocabSize() + ")");
                if (type < 0 || type >= c.typeVocabSize()) throw new IllegalArgumentException("token type " + type + " outside [0, " + c.typeVocabSize() + ")");
                if (i >= c.maxPositions()) throw new IllegalArgumentException("row " + r + " has " + lens[r] + " tokens, more than " + c.maxPositions() + " positions");
                int o = t * C;
                for (int k = 0; k < C; k++) {
                    x[o + k] = w.wordEmbeddings[id * C + k] + w.tokenTypeEmbeddings[type * C + k] + w.positionEmbeddings[i * C + k];
                }
            }
        }
        int n = offsets[rows - 1] + lens[rows - 1];
        Kernels.layerNormForward(x, x, w.embLnWeight, w.embLnBias, C, c.layerNormEps(), 0, n);
    }

    /**
     * One encoder layer: out (N, C) from x (N, C). out may be x for inference (x is dead once the attention
     * residual is formed). scores: per-worker attention scratch from {@link #attentionScratch}.
     */
    public static void layerForward(BertConfig c, BertWeights.Layer layer, Parallel pool, LayerBuffers b, float[][] scores,
                                    float[] x, float[] out, PackedBatch batch) {
        int C = c.hidden(), I = c.intermediate(), H = c.numHeads(), D = c.headDim();
        int[] offsets = batch.offsets(), lens = batch.lens();
        int rows = batch.rows(), N = batch.tokens();
        assert N <= b.capacity : "workspace too small";
        float eps = c.layerNormEps();
        BertWeights.Layer y = layer.packed();
        // attention: qkv = x Wqkv + b; per (row, head) softmax(q k^T / sqrt(D)) v
        Kernels.matmulForward(pool, b.qkv, x, y.qkvPacked(), y.qkvBias, N);
        pool.forRange(rows * H, (t, p0, p1) -> Kernels.attentionForward(b.att, b.qkv, offsets, lens, H, D, p0, p1, scores[t]));
        Kernels.matmulForward(pool, b.attnSum, b.att, y.attnOutPacked(), y.attnOutBias, N);
        pool.forRange(N, (t, m0, m1) -> {
            Kernels.addInPlace(b.attnSum, x, m0 * C, m1 * C);
            Kernels.layerNormForward(b.x1, b.attnSum, y.attnLnWeight, y.attnLnBias, C, eps, m0, m1);
        });
        // feed-forward: GELU(x1 Wi + bi) Wo + bo, residual, LayerNorm
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

    /** Per-worker attention scratch for rows of up to maxLen tokens. */
    public static float[][] attentionScratch(BertConfig c, int threads, int maxLen) {
        return new float[threads][Kernels.attentionScratchSize(c.headDim(), maxLen)];
    }

    /** pooled (C) at pooledOff from row tokens [off, off + len) of x (N, C): masked mean or the first token. */
    public static void poolForward(Pooling pooling, float[] x, int C, int off, int len, float[] pooled, int pooledOff) {
        if (pooling == Pooling.CLS) {
            System.arraycopy(x, off * C, pooled, pooledOff, C);
            return;
        }
        java.util.Arrays.fill(pooled, pooledOff, pooledOff + C, 0f);
        for (int i = 0; i < len; i++) Kernels.addInPlace(pooled, pooledOff, x, (off + i) * C, C);
        float n = len;
        for (int k = 0; k < C; k++) pooled[pooledOff + k] /= n;
    }
}
