package dev.leap4j.model;

import dev.leap4j.tensor.Parallel;

/**
 * The encoder stack, layer by layer: embeddings, then layers 1..L, each followed by a hook that sees the layer's
 * output and may stop the run or drop rows. This is the one loop that inference with early exit, the training
 * forward and the teacher cache all run; each of them is a hook.
 */
public final class EncoderStack {
    private EncoderStack() {}

    /** What a caller does after each layer. */
    @FunctionalInterface
    public interface LayerHook {
        /**
         * Called after layer l (1-based) with x (N, C) holding the active rows' outputs. It may drop rows with
         * {@link PackedBatch#retain}. Returns false to stop before the next layer.
         */
        boolean afterLayer(int l, float[] x, PackedBatch batch);
    }

    /**
     * The states a run writes. Inference aliases every layer onto one (N, C) buffer and one workspace (a layer's input
     * is dead once its attention residual is formed); training keeps every layer's input and workspace for the
     * backward pass.
     *
     * @param xs      one (N, C) buffer (inference), or L + 1: the embeddings output, then each layer's output
     * @param buffers one workspace (inference), or one per layer
     * @param scores  per-worker attention scratch ({@link BertAttention#scratch})
     */
    public record Buffers(float[][] xs, LayerBuffers[] buffers, float[][] scores) {
        public static Buffers inference(float[] x, LayerBuffers buffers, float[][] scores) {
            return new Buffers(new float[][]{x}, new LayerBuffers[]{buffers}, scores);
        }

        /** Layer l's input: the embeddings output for l = 1. */
        public float[] input(int l) {
            return xs[xs.length == 1 ? 0 : l - 1];
        }

        public float[] output(int l) {
            return xs[xs.length == 1 ? 0 : l];
        }

        public LayerBuffers layer(int l) {
            return buffers[buffers.length == 1 ? 0 : l - 1];
        }
    }

    /** Runs the embeddings and layers 1..upTo (or fewer, if the hook stops the run or drops every row). */
    public static void run(BertWeights w, Parallel pool, PackedBatch batch, Buffers buf, int upTo, LayerHook hook) {
        BertConfig c = w.config;
        if (upTo < 1 || upTo > c.numLayers()) throw new IllegalArgumentException("layers 1.." + upTo + " requested of " + c.numLayers());
        BertEmbeddings.forward(w, buf.input(1), batch);
        for (int l = 1; l <= upTo; l++) {
            BertLayer.forward(c, w.layers[l - 1], pool, buf.layer(l), buf.scores(), buf.input(l), buf.output(l), batch);
            if (!hook.afterLayer(l, buf.output(l), batch) || batch.rows() == 0) return;
        }
    }
}
