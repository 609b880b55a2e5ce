package dev.leap4j.eval;

import dev.leap4j.api.UsageException;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.exit.ExitReplay;
import dev.leap4j.exit.LayerDiagnostics;
import dev.leap4j.tokenize.TokenizedText;

import java.util.List;

/**
 * Per-layer pooled states of a list of texts, computed once at full depth. Every threshold's exits and
 * embeddings are then replayed from it exactly, so a sweep costs one model run however many thresholds it has.
 *
 * @param layers    layers[i][l - 1] = pooled (un-normalised) state of text i after layer l
 * @param truncated texts cut to the model's max length
 * @param tokens    tokens processed, special tokens included
 */
public record Tracing(float[][][] layers, int truncated, long tokens) {

    public static Tracing run(EarlyExitEncoder enc, List<String> texts, int batchSize, Progress progress, String task) {
        if (batchSize < 1) throw new UsageException("batch size must be >= 1, got " + batchSize);
        if (texts.isEmpty()) throw new IllegalArgumentException("nothing to embed for " + task);
        float[][][] out = new float[texts.size()][][];
        int truncated = 0;
        long tokens = 0;
        progress.update(task, 0, texts.size());
        for (int i = 0; i < texts.size(); i += batchSize) {
            int end = Math.min(texts.size(), i + batchSize);
            List<TokenizedText> batch = enc.tokenizer().encodeAll(texts.subList(i, end));
            for (TokenizedText t : batch) {
                if (t.truncated()) truncated++;
                tokens += t.length();
            }
            float[][][] tr = enc.trace(batch);
            System.arraycopy(tr, 0, out, i, tr.length);
            progress.update(task, end, texts.size());
        }
        return new Tracing(out, truncated, tokens);
    }

    public int size() {
        return layers.length;
    }

    public int numLayers() {
        return layers[0].length;
    }

    public int[] exitLayers(ExitPolicy policy) {
        int[] e = new int[layers.length];
        for (int i = 0; i < e.length; i++) e[i] = ExitReplay.exitLayer(layers[i], policy);
        return e;
    }

    /** Every text's embedding at the given exit layers, L2-normalised (cosine = dot product downstream). */
    public float[][] embeddings(int[] exitLayers) {
        float[][] v = new float[layers.length][];
        for (int i = 0; i < v.length; i++) v[i] = ExitReplay.embedding(layers[i], exitLayers[i], true);
        return v;
    }

    public float[][] embeddingsAtLayer(int layer) {
        int[] e = new int[layers.length];
        java.util.Arrays.fill(e, layer);
        return embeddings(e);
    }

    /**
     * Texts embedded live under a policy, as unit vectors like {@link #embeddings}: for what a trace cannot replay (a
     * depth path is not a prefix of the full stack). A model without a Normalize module gives raw pooled vectors.
     */
    public static float[][] liveEmbeddings(EarlyExitEncoder enc, List<String> texts, ExitPolicy policy, int batchSize) {
        return enc.embed(texts, policy, batchSize).stream().map(e -> {
            float[] u = e.vector().clone();
            EarlyExitEncoder.normalize(u);
            return u;
        }).toArray(float[][]::new);
    }

    public LayerDiagnostics.ThresholdOutcome outcome(ExitPolicy policy) {
        return LayerDiagnostics.outcome(layers, policy);
    }

    public List<LayerDiagnostics.LayerAgreement> agreement() {
        return LayerDiagnostics.agreement(layers);
    }
}
