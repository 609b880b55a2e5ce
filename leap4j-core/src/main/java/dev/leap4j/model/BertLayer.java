package dev.leap4j.model;

import dev.leap4j.tensor.Parallel;

/**
 * Hugging Face's BertLayer: {@link BertAttention}, then {@link BertFeedForward}. Weights: {@code encoder.layer.<i>}.
 * The backward runs the two in reverse over the activations a training forward kept ({@link LayerBuffers#forTraining}).
 */
public final class BertLayer {
    private BertLayer() {}

    /** Scratch shared by all layers' backward passes (one layer runs at a time). */
    public static final class BackwardBuffers {
        final int capacity;
        final float[] d1;       // (N, C) dx1, then dattnSum
        final float[] datt;     // (N, C) gradient of the attention output
        final float[] dact;     // (N, I) gradient of GELU output, then of its input
        final float[] dqkv;     // (N, 3C)
        final float[] scratch;  // transposed matmul operand: max(K N, M K)
        final float[][] probs;  // (threads, maxLen) attention probabilities, recomputed
        final float[][] dprob;  // (threads, maxLen)

        public BackwardBuffers(int capacity, BertConfig c, int threads, int maxLen) {
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
     * out (N, C) from x (N, C). out may be x for inference (x is dead once the attention residual is formed).
     * scores: per-worker attention scratch from {@link BertAttention#scratch}.
     */
    public static void forward(BertConfig c, BertWeights.Layer layer, Parallel pool, LayerBuffers b, float[][] scores,
                               float[] x, float[] out, PackedBatch batch) {
        assert batch.tokens() <= b.capacity : "workspace too small";
        BertWeights.Layer y = layer.packed();
        BertAttention.forward(c, y, pool, b, scores, x, batch);
        BertFeedForward.forward(c, y, pool, b, out, batch.tokens());
    }

    /**
     * dOut (N, C): on entry the gradient of the layer's output, on return the gradient of its input x. f: the
     * layer's forward activations; g: gradient storage for this layer (overwritten).
     */
    public static void backward(BertConfig c, BertWeights.Layer y, BertWeights.Layer g, Parallel pool, LayerBuffers f,
                                BackwardBuffers b, float[] x, float[] dOut, PackedBatch batch) {
        int N = batch.tokens();
        if (N > b.capacity) throw new IllegalArgumentException("backward workspace holds " + b.capacity + " tokens, batch has " + N);
        BertFeedForward.backward(c, y, g, pool, f, b, dOut, b.d1, N);
        BertAttention.backward(c, y, g, pool, f, b, x, b.d1, dOut, batch);
    }
}
