package dev.leap4j.train;

import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.model.BertAttention;
import dev.leap4j.model.BertEmbeddings;
import dev.leap4j.model.BertLayer;
import dev.leap4j.model.EncoderStack;
import dev.leap4j.model.LayerBuffers;
import dev.leap4j.model.PackedBatch;
import dev.leap4j.model.Pooling;
import dev.leap4j.tensor.Parallel;

/**
 * One training forward and backward of an encoder over a packed batch, with the engine's own forward
 * ({@link dev.leap4j.model.EncoderStack}, the layers of dev.leap4j.model) and one unaliased {@link LayerBuffers} per layer. The loss reads the pooled state after
 * every layer: masked mean by default (the LEAP definition), or CLS for a model that exits on its CLS state.
 */
public final class StudentPass {
    private final BertConfig cfg;
    private final BertWeights w;
    private final BertWeights grads;
    private final Parallel pool;
    private final boolean trainWords;
    private final Pooling pooling;
    private final Workspace ws;

    /**
     * The activations of one forward and backward, for up to {@code layers} layers. Passes that run one after another
     * (the paths of a ladder step, each forward then backward before the next starts) share one: a ladder needs the
     * memory of its deepest path, not of all its paths together.
     */
    public static final class Workspace {
        private final int layers, hidden, tokenCapacity, rowCapacity, maxLen;
        private final float[][] xs;          // (layers + 1) x (N, C): embeddings output, then every layer's output
        private final LayerBuffers[] saved;  // per layer
        private final EncoderStack.Buffers stack; // xs and saved, unaliased: the backward reads every layer's input
        private final BertLayer.BackwardBuffers back;
        private final float[] dx;            // (N, C) gradient flowing down the stack
        private final float[] pooled;        // (layers, B, C)

        /** For passes over models of cfg's width and at most {@code layers} layers. */
        public Workspace(BertConfig cfg, int layers, Parallel pool, int tokenCapacity, int rowCapacity, int maxLen) {
            int C = cfg.hidden();
            this.layers = layers;
            this.hidden = C;
            this.tokenCapacity = tokenCapacity;
            this.rowCapacity = rowCapacity;
            this.maxLen = maxLen;
            xs = new float[layers + 1][tokenCapacity * C];
            saved = new LayerBuffers[layers];
            for (int l = 0; l < layers; l++) saved[l] = LayerBuffers.forTraining(tokenCapacity, cfg);
            stack = new EncoderStack.Buffers(xs, saved, BertAttention.scratch(cfg, pool.threads(), maxLen));
            back = new BertLayer.BackwardBuffers(tokenCapacity, cfg, pool.threads(), maxLen);
            dx = new float[tokenCapacity * C];
            pooled = new float[layers * rowCapacity * C];
        }
    }

    public StudentPass(BertWeights w, BertWeights grads, Parallel pool, int tokenCapacity, int rowCapacity, int maxLen, boolean trainWords) {
        this(w, grads, pool, tokenCapacity, rowCapacity, maxLen, trainWords, Pooling.MEAN);
    }

    /** As above, pooling the states the loss reads with pooling (the LEAP definition is the masked mean). */
    public StudentPass(BertWeights w, BertWeights grads, Parallel pool, int tokenCapacity, int rowCapacity, int maxLen, boolean trainWords,
                       Pooling pooling) {
        this(w, grads, pool, new Workspace(w.config, w.config.numLayers(), pool, tokenCapacity, rowCapacity, maxLen), trainWords, pooling);
    }

    /** A pass in a workspace it may share with other passes that never run at the same time. */
    public StudentPass(BertWeights w, BertWeights grads, Parallel pool, Workspace ws, boolean trainWords, Pooling pooling) {
        if (w.config.numLayers() > ws.layers || w.config.hidden() != ws.hidden) {
            throw new IllegalArgumentException("a workspace for " + ws.layers + " layers of width " + ws.hidden + " cannot run "
                    + w.config.numLayers() + " layers of width " + w.config.hidden());
        }
        this.pooling = pooling;
        this.cfg = w.config;
        this.w = w;
        this.grads = grads;
        this.pool = pool;
        this.trainWords = trainWords;
        this.ws = ws;
    }

    private void check(PackedBatch b) {
        if (b.tokens() > ws.tokenCapacity || b.rows() > ws.rowCapacity || b.maxLen() > ws.maxLen) {
            throw new IllegalArgumentException("batch of " + b.rows() + " rows / " + b.tokens() + " tokens / longest " + b.maxLen()
                    + " exceeds the training workspace (" + ws.rowCapacity + " / " + ws.tokenCapacity + " / " + ws.maxLen + ")");
        }
    }

    /**
     * Runs the batch; returns the pooled states (L, B, C): index (l - 1) * B * C + r * C for layer l, row r. The array
     * is the workspace's: valid until the next pass in the same workspace runs.
     */
    public float[] forward(PackedBatch b) {
        check(b);
        // the weights change in place between passes (optimizer steps, finite-difference probes): the forward's
        // packed copies must be rebuilt; repacking costs far less than one training step
        w.markUpdated();
        int L = cfg.numLayers(), C = cfg.hidden(), B = b.rows();
        float[] pooled = ws.pooled;
        EncoderStack.run(w, pool, b, ws.stack, L, (l, h, batch) -> {
            for (int r = 0; r < B; r++) pooling.forward(h, C, batch.offsets()[r], batch.lens()[r], pooled, ((l - 1) * B + r) * C);
            return true;
        });
        return pooled;
    }

    /** Backward of the last {@link #forward} given dpooled (L, B, C); writes every gradient into grads. */
    public void backward(PackedBatch b, float[] dpooled) {
        int L = cfg.numLayers(), C = cfg.hidden(), B = b.rows();
        float[] dx = ws.dx;
        java.util.Arrays.fill(dx, 0, b.tokens() * C, 0f);
        for (int l = L - 1; l >= 0; l--) {
            for (int r = 0; r < B; r++) pooling.backward(dx, C, b.offsets()[r], b.lens()[r], dpooled, (l * B + r) * C);
            BertLayer.backward(cfg, w.layers[l], grads.layers[l], pool, ws.saved[l], ws.back, ws.xs[l], dx, b);
        }
        // xs[1] is no longer needed: it holds the pre-LayerNorm embedding sum scratch
        BertEmbeddings.backward(w, grads, trainWords, pool, dx, ws.xs[1], b);
    }
}
