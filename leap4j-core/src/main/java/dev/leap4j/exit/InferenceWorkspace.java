package dev.leap4j.exit;

import dev.leap4j.model.BertAttention;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.LayerBuffers;
import dev.leap4j.tensor.Parallel;

/**
 * What one run of a group of rows through the stack needs: the pool its kernels split work over and the activations,
 * grown between runs, never inside the layer loop. The encoder holds one over its whole pool, for batches run with
 * every thread in each layer, and one per thread over a one-thread pool, for batches whose groups of rows threads
 * run side by side.
 */
final class InferenceWorkspace {
    /**
     * Token activations grow in whole blocks of this many tokens, never by a factor, so a workspace holds less than a
     * block beyond the largest run it served: what {@link EarlyExitEncoder#workspaceTokens} promises.
     */
    static final int TOKEN_BLOCK = 64;

    private final BertConfig config;
    final Parallel pool;
    private int tokenCapacity, rowCapacity, lengthCapacity;
    float[] x;              // (N, C) hidden states of the active rows, packed
    LayerBuffers buffers;
    float[][] scores;       // (threads, maxLen) attention scratch
    float[] prevPooled;     // (R, C) pooled state after the previous layer, by row of the group
    float[] curPooled;      // (R, C) pooled state after this layer, by row of the group

    InferenceWorkspace(BertConfig config, Parallel pool) {
        this.config = config;
        this.pool = pool;
    }

    void ensureCapacity(int tokens, int rows, int maxLen) {
        if (tokens > tokenCapacity) {
            tokenCapacity = (int) capacityFor(tokens);
            x = new float[tokenCapacity * config.hidden()];
            buffers = LayerBuffers.forInference(tokenCapacity, config);
        }
        if (rows > rowCapacity) {
            rowCapacity = Math.max(rows, rowCapacity + rowCapacity / 2);
            prevPooled = new float[rowCapacity * config.hidden()];
            curPooled = new float[rowCapacity * config.hidden()];
        }
        if (maxLen > lengthCapacity) {
            lengthCapacity = maxLen;
            scores = BertAttention.scratch(config, pool.threads(), maxLen);
        }
    }

    int tokenCapacity() {
        return tokenCapacity;
    }

    /** The token capacity a run of this many tokens grows a workspace to. */
    static long capacityFor(long tokens) {
        return (tokens + TOKEN_BLOCK - 1) / TOKEN_BLOCK * TOKEN_BLOCK;
    }

    /** This layer's pooled states become the previous layer's. */
    void swapPooled() {
        float[] swap = prevPooled;
        prevPooled = curPooled;
        curPooled = swap;
    }
}
