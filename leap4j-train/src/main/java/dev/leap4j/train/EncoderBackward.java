package dev.leap4j.train;

import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.model.LayerBuffers;
import dev.leap4j.model.PackedBatch;
import dev.leap4j.tensor.BackwardKernels;
import dev.leap4j.tensor.Kernels;
import dev.leap4j.tensor.Parallel;

/**
 * The backward pass of {@link dev.leap4j.model.EncoderForward}, step for step in reverse, over the activations a
 * training forward kept ({@link LayerBuffers#forTraining}). Parameter gradients land in a {@link BertWeights}
 * used as gradient storage, same layout as the weights.
 */
public final class EncoderBackward {
    private EncoderBackward() {}

    /** Scratch shared by all layers' backward passes (one layer runs at a time). */
    public static final class Buffers {
        final int capacity;
        final float[] d1;       // (N, C) dx1, then dattnSum
        final float[] datt;     // (N, C) gradient of the attention output
        final float[] dact;     // (N, I) gradient of GELU output, then of its input
        final float[] dqkv;     // (N, 3C)
        final float[] scratch;  // transposed matmul operand: max(K N, M K)
        final float[][] probs;  // (threads, maxLen) attention probabilities, recomputed
        final float[][] dprob;  // (threads, maxLen)

        public Buffers(int capacity, BertConfig c, int threads, int maxLen) {
            int C = c.hidden(), I = c.intermediate();
            this.capacity = capacity;
            d1 = new float[capacity * C];
            datt = new float[capacity * C];
            dact = new float[capacity * I];
            dqkv = new float[capacity * 3 * C];
            scratch = new float[Math.max(Math.max(C * 3 * C, C * I), capacity * Math.max(I, 3 * C))];
            probs = new float[threads][maxLen];
            dprob = new float[threads][maxLen];
        }
    }

    /**
     * One post-LN layer backward. dOut (N, C): on entry the gradient of the layer's output, on return the gradient of
     * its input x. f: the layer's forward activations; g: gradient storage for this layer (overwritten).
     */
    public static void layerBackward(BertConfig c, BertWeights.Layer y, BertWeights.Layer g, Parallel pool, LayerBuffers f,
                                     Buffers b, float[] x, float[] dOut, PackedBatch batch) {
        int C = c.hidden(), I = c.intermediate(), H = c.numHeads(), D = c.headDim();
        int[] offsets = batch.offsets(), lens = batch.lens();
        int rows = batch.rows(), N = batch.tokens();
        if (N > b.capacity) throw new IllegalArgumentException("backward workspace holds " + b.capacity + " tokens, batch has " + N);
        float eps = c.layerNormEps();
        // out = LN2(ffnSum): dOut becomes dffnSum in place
        layerNorm(pool, dOut, g.outLnWeight, g.outLnBias, f.ffnSum, y.outLnWeight, C, eps, N);
        // ffnSum = act Wo + bo + x1
        BackwardKernels.matmulBackward(pool, b.dact, g.outWeight, g.outBias, f.act, dOut, y.outWeight, N, I, C, b.scratch);
        pool.forRange(N, (t, m0, m1) -> BackwardKernels.geluBackward(b.dact, b.dact, f.inter, m0 * I, m1 * I));
        // inter = x1 Wi + bi; dx1 = dinter Wi^T + dffnSum (residual)
        BackwardKernels.matmulBackward(pool, b.d1, g.interWeight, g.interBias, f.x1, b.dact, y.interWeight, N, C, I, b.scratch);
        pool.forRange(N, (t, m0, m1) -> Kernels.addInPlace(b.d1, dOut, m0 * C, m1 * C));
        // x1 = LN1(attnSum): d1 becomes dattnSum
        layerNorm(pool, b.d1, g.attnLnWeight, g.attnLnBias, f.attnSum, y.attnLnWeight, C, eps, N);
        // attnSum = att Wao + bao + x
        BackwardKernels.matmulBackward(pool, b.datt, g.attnOutWeight, g.attnOutBias, f.att, b.d1, y.attnOutWeight, N, C, C, b.scratch);
        pool.forRange(rows * H, (t, p0, p1) -> BackwardKernels.attentionBackward(b.dqkv, b.datt, f.qkv, offsets, lens, H, D, p0, p1, b.probs[t], b.dprob[t]));
        // qkv = x Wqkv + b; dx = dqkv Wqkv^T + dattnSum (residual)
        BackwardKernels.matmulBackward(pool, dOut, g.qkvWeight, g.qkvBias, x, b.dqkv, y.qkvWeight, N, C, 3 * C, b.scratch);
        pool.forRange(N, (t, m0, m1) -> Kernels.addInPlace(dOut, b.d1, m0 * C, m1 * C));
    }

    /** In-place layer-norm backward: rows in parallel, parameter sums in one fixed-order pass. */
    private static void layerNorm(Parallel pool, float[] d, float[] dgamma, float[] dbeta, float[] x, float[] gamma, int C, float eps, int N) {
        BackwardKernels.layerNormBackward(null, dgamma, dbeta, d, x, gamma, C, eps, 0, N);
        pool.forRange(N, (t, m0, m1) -> BackwardKernels.layerNormBackward(d, null, null, d, x, gamma, C, eps, m0, m1));
    }

    /**
     * Backward of the embeddings: dx (N, C) is the gradient of the embeddings' LayerNorm output (clobbered).
     * sum: scratch (N, C) for the recomputed pre-LayerNorm sum. Word embeddings get a gradient only when
     * trainWords (it is a V x C array touched in a few rows; frozen by default).
     */
    public static void embeddingsBackward(BertWeights w, BertWeights g, boolean trainWords, Parallel pool, float[] dx, float[] sum,
                                          PackedBatch batch) {
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
        layerNorm(pool, dx, g.embLnWeight, g.embLnBias, sum, w.embLnWeight, C, c.layerNormEps(), N);
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

    /** Pooling backward for either pooling: the gradient of a CLS state goes to the row's first token only. */
    public static void poolBackward(dev.leap4j.model.Pooling pooling, float[] dx, int C, int off, int len, float[] dpooled, int pOff) {
        switch (pooling) {
            case MEAN -> meanPoolBackward(dx, C, off, len, dpooled, pOff);
            case CLS -> Kernels.axpy(1f, dpooled, pOff, dx, off * C, C);
        }
    }

    /** Masked mean pooling backward: dx rows [off, off + len) += dpooled / len. */
    public static void meanPoolBackward(float[] dx, int C, int off, int len, float[] dpooled, int pOff) {
        float inv = 1f / len;
        for (int i = 0; i < len; i++) Kernels.axpy(inv, dpooled, pOff, dx, (off + i) * C, C);
    }
}
