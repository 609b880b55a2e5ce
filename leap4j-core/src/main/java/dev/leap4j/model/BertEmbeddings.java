package dev.leap4j.model;

import dev.leap4j.tensor.BackwardKernels;
import dev.leap4j.tensor.Kernels;
import dev.leap4j.tensor.Parallel;

/**
 * Hugging Face's BertEmbeddings: word, position and token-type embeddings summed, then LayerNorm. Positions restart
 * at 0 in every packed row ({@link PackedBatch}), so a row's embeddings do not depend on the rows beside it.
 * Weights: {@code embeddings.word_embeddings}, {@code .position_embeddings}, {@code .token_type_embeddings},
 * {@code .LayerNorm}.
 */
public final class BertEmbeddings {
    private BertEmbeddings() {}

    /** x (N, C) = LayerNorm(word[ids] + position[pos] + type[typeIds]). */
    public static void forward(BertWeights w, float[] x, PackedBatch batch) {
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
     * dx (N, C): the gradient of the LayerNorm output (clobbered). sum: scratch (N, C) for the recomputed
     * pre-LayerNorm sum. Word embeddings get a gradient only when trainWords (a V x C array touched in a few rows;
     * frozen by default). Gradients land in g, same layout as w.
     */
    public static void backward(BertWeights w, BertWeights g, boolean trainWords, Parallel pool, float[] dx, float[] sum, PackedBatch batch) {
        BertConfig c = w.config;
        int C = c.hidden();
        int[] ids = batch.ids(), typeIds = batch.typeIds(), offsets = batch.offsets(), lens = batch.lens();
        int rows = batch.rows(), N = batch.tokens();
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < lens[r]; i++) {
                int t = offsets[r] + i, o = t * C;
                for (int k = 0; k < C; k++) {
                    sum[o + k] = w.wordEmbeddings[ids[t] * C + k] + w.tokenTypeEmbeddings[typeIds[t] * C + k] + w.positionEmbeddings[i * C + k];
                }
            }
        }
        BackwardKernels.layerNormBackwardInPlace(pool, dx, g.embLnWeight, g.embLnBias, sum, w.embLnWeight, C, c.layerNormEps(), N);
        java.util.Arrays.fill(g.positionEmbeddings, 0f);
        java.util.Arrays.fill(g.tokenTypeEmbeddings, 0f);
        if (trainWords) java.util.Arrays.fill(g.wordEmbeddings, 0f);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < lens[r]; i++) {
                int t = offsets[r] + i;
                Kernels.addInPlace(g.positionEmbeddings, i * C, dx, t * C, C);
                Kernels.addInPlace(g.tokenTypeEmbeddings, typeIds[t] * C, dx, t * C, C);
                if (trainWords) Kernels.addInPlace(g.wordEmbeddings, ids[t] * C, dx, t * C, C);
            }
        }
    }
}
