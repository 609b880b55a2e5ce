package dev.leap4j.serve;

import dev.leap4j.api.WeightFormat;
import dev.leap4j.model.BertConfig;

import java.util.Locale;

/**
 * What bounds the server's heap, term by term, so a deployment can size -Xmx for its model and settings instead of
 * taking the JVM's default (a quarter of the machine). Every term is a hard bound of the server's own design:
 * <ul>
 *   <li>weights: the model's float arrays, plus the column-panel copies of each layer's four matrices (4 bytes per
 *       value, or 1 with {@code --weights int8});</li>
 *   <li>batch workspace: (7C + I) floats per token (the layer input and the aliased activations of one layer) for
 *       the tokens {@link dev.leap4j.exit.EarlyExitEncoder#workspaceTokens} gives: the largest batch
 *       ({@code --max-batch-tokens}), plus, with more than one engine thread, one group of rows per thread;</li>
 *   <li>request bodies: the shared body budget (bodies in flight) plus, for each parse permit, one body parsed
 *       into texts (about its own size again);</li>
 *   <li>queue: {@code --max-queue} inputs of at most the model's maximum length, as int token ids;</li>
 *   <li>base: the HTTP stack, metrics and class data, measured at about 100 MiB; 128 MiB is allowed.</li>
 * </ul>
 * The garbage collector needs room beyond the live set; {@link #recommendedHeapBytes()} adds a third.
 */
public record MemoryPlan(long weights, long workspace, long bodies, long queue, long base) {
    static final long BASE = 128L << 20;

    static MemoryPlan of(BertConfig c, WeightFormat format, int maxLength, long workspaceTokens, ServerSettings s, int permits, long bodyBudget) {
        long C = c.hidden(), I = c.intermediate(), L = c.numLayers();
        long layerMatrices = L * (C * 3 * C + C * C + 2 * C * I);
        long params = (long) c.vocabSize() * C + (long) c.maxPositions() * C + (long) c.typeVocabSize() * C + 2 * C
                + L * (3 * C + C + 2 * C + I + C + 2 * C) + layerMatrices;
        long weights = 4 * params + (format == WeightFormat.INT8 ? 1 : 4) * layerMatrices;
        long workspace = 4L * workspaceTokens * (7 * C + I);
        long bodies = bodyBudget + (long) permits * s.maxBodyBytes();
        long queue = 4L * s.maxQueue() * maxLength;
        return new MemoryPlan(weights, workspace, bodies, queue, BASE);
    }

    public long liveBytes() {
        return weights + workspace + bodies + queue + base;
    }

    /** The live bound plus a third for the collector to work in. */
    public long recommendedHeapBytes() {
        return liveBytes() + liveBytes() / 3;
    }

    public String describe() {
        return String.format(Locale.ROOT, "heap bound %d MiB (weights %d, batch workspace %d, request bodies %d, queue %d, base %d MiB); -Xmx%dm recommended",
                mib(liveBytes()), mib(weights), mib(workspace), mib(bodies), mib(queue), mib(base), mib(recommendedHeapBytes()) + 1);
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }
}
