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
    private final int tokenCapacity, rowCapacity, maxLen;
    private final float[][] xs;          // (L + 1) x (N, C): embeddings output, then every layer's output
    private final LayerBuffers[] saved;  // per layer
    private final float[][] scores;      // (threads, maxLen)
    private final EncoderStack.Buffers stack; // xs and saved, unaliased: the backward reads every layer's input
    private final BertLayer.BackwardBuffers back;
    private final float[] dx;            // (N, C) gradient flowing down the stack
    private final float[] pooled;        // (L, B, C)

    public StudentPass(BertWeights w, BertWeights grads, Parallel pool, int tokenCapacity, int rowCapacity, int maxLen, boolean trainWords) {
        this(w, grads, pool, tokenCapacity, rowCapacity, maxLen, trainWords, Pooling.MEAN);
    }

    /** As above, pooling the states the loss reads with pooling (the LEAP definition is the masked mean). */
    public StudentPass(BertWeights w, BertWeights grads, Parallel pool, int tokenCapacity, int rowCapacity, int maxLen, boolean trainWords,
                       Pooling pooling) {
        this.pooling = pooling;
        this.cfg = w.config;
        this.w = w;
        this.grads = grads;
        this.pool = pool;
        this.trainWords = trainWords;
        this.tokenCapacity = tokenCapacity;
        this.rowCapacity = rowCapacity;
        this.maxLen = maxLen;
        int L = cfg.numLayers(), C = cfg.hidden();
        xs = new float[L + 1][tokenCapacity * C];
        saved = new LayerBuffers[L];
        for (int l = 0; l < L; l++) saved[l] = LayerBuffers.forTraining(tokenCapacity, cfg);
        scores = BertAttention.scratch(cfg, pool.threads(), maxLen);
        stack = new EncoderStack.Buffers(xs, saved, scores);
        back = new BertLayer.BackwardBuffers(tokenCapacity, cfg, pool.threads(), maxLen);
        dx = new float[tokenCapacity * C];
        pooled = new float[L * rowCapacity * C];
    }

    private void check(PackedBatch b) {
        if (b.tokens() > tokenCapacity || b.rows() > rowCapacity || b.maxLen() > maxLen) {
            throw new IllegalArgumentException("batch of " + b.rows() + " rows / " + b.tokens() + " tokens / longest " + b.maxLen()
                    + " exceeds the training workspace (" + rowCapacity + " / " + tokenCapacity + " / " + maxLen + ")");
        }
    }

    /** Runs the batch; returns the pooled states (L, B, C): index (l - 1) * B * C + r * C for layer l, row r. */
    public float[] forward(PackedBatch b) {
        check(b);
        // the weights change in place between passes (optimizer steps, finite-difference probes): the forward's
        // packed copies must be rebuilt; repacking costs far less than one training step
        w.markUpdated();
        int L = cfg.numLayers(), C = cfg.hidden(), B = b.rows();
        EncoderStack.run(w, pool, b, stack, L, (l, h, batch) -> {
            for (int r = 0; r < B; r++) pooling.forward(h, C, batch.offsets()[r], batch.lens()[r], pooled, ((l - 1) * B + r) * C);
            return true;
        });
        return pooled;
    }

    /** Backward of the last {@link #forward} given dpooled (L, B, C); writes every gradient into grads. */
    public void backward(PackedBatch b, float[] dpooled) {
        int L = cfg.numLayers(), C = cfg.hidden(), B = b.rows();
        java.util.Arrays.fill(dx, 0, b.tokens() * C, 0f);
        for (int l = L - 1; l >= 0; l--) {
            for (int r = 0; r < B; r++) pooling.backward(dx, C, b.offsets()[r], b.lens()[r], dpooled, (l * B + r) * C);
            BertLayer.backward(cfg, w.layers[l], grads.layers[l], pool, saved[l], back, xs[l], dx, b);
        }
        // xs[1] is no longer needed: it holds the pre-LayerNorm embedding sum scratch
        BertEmbeddings.backward(w, grads, trainWords, pool, dx, xs[1], b);
    }
}
