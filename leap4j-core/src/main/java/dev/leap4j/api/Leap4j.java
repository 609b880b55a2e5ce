package dev.leap4j.api;

import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.exit.Embedding;
import dev.leap4j.exit.ExitPolicy;
import dev.leap4j.model.ModelLocator;
import dev.leap4j.model.Prompts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * leap4j as a library: load a model once, then embed from any number of threads. This class, {@link ExitPolicy},
 * {@link Embedding} and {@link Prompts} are the supported API; everything else in the jar is internal and may
 * change.
 *
 * <pre>{@code
 * try (Leap4j model = Leap4j.load("e5-small-v2")) {
 *     ExitPolicy rule = model.defaultPolicy().withTheta(0.95);
 *     List<Embedding> out = model.embed(List.of("query: how do cells divide?"), rule);
 *     float[] vector = out.get(0).vector();   // L2-normalised when the model's pipeline normalises
 *     int layer = out.get(0).exitLayer();      // the layer that produced it (numLayers() = full depth)
 * }
 * }</pre>
 *
 * <p>Results are exactly those of {@code leap4j embed} and {@code leap4j serve} for the same model, text and policy
 * (same floats, same exit layer), whatever else is embedded in the same call or concurrently: the engine computes
 * every input the same way alone or in any batch. Calls from several threads are safe; they share one engine and
 * run one batch at a time, so throughput comes from batching (pass many texts per call), not from threads.
 */
public final class Leap4j implements AutoCloseable {
    /** Inputs per engine batch inside one {@link #embed(List, ExitPolicy)} call. */
    public static final int BATCH_SIZE = 32;

    private final EarlyExitEncoder encoder;

    private Leap4j(EarlyExitEncoder encoder) {
        this.encoder = encoder;
    }

    /**
     * Loads a built-in model ({@code all-minilm-l6-v2}, {@code bge-small-en-v1.5}, {@code e5-small-v2}) or a model
     * folder, with the default cache ({@code ~/.cache/leap4j/models}) and one engine thread per core.
     */
    public static Leap4j load(String modelOrFolder) throws IOException {
        return load(modelOrFolder, Path.of(System.getProperty("user.home"), ".cache", "leap4j", "models"),
                Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * As {@link #load(String)} with the cache where built-in models are imported to and the engine's thread count.
     *
     * @throws IllegalArgumentException for an unknown name or a folder that is not a model
     * @throws IOException              when the model files cannot be read
     */
    public static Leap4j load(String modelOrFolder, Path cacheDir, int threads) throws IOException {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        return new Leap4j(new EarlyExitEncoder(ModelLocator.load(modelOrFolder, cacheDir), threads));
    }

    /** Embeds texts under the model's default exit rule (theta 0.95, min layer half the depth); results in input order. */
    public List<Embedding> embed(List<String> texts) {
        return embed(texts, defaultPolicy());
    }

    /** Embeds texts under policy ({@link ExitPolicy#fullDepth()} for no early exit); results in input order. */
    public List<Embedding> embed(List<String> texts, ExitPolicy policy) {
        if (texts == null || policy == null) throw new IllegalArgumentException("texts and policy are required");
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i) == null) throw new IllegalArgumentException("text " + i + " is null");
        }
        return encoder.embed(texts, policy, BATCH_SIZE);
    }

    /** One text's vector under the default exit rule. */
    public float[] embed(String text) {
        return embed(List.of(text)).getFirst().vector();
    }

    /** theta 0.95, min layer = half the depth, patience 1: adjust with {@link ExitPolicy#withTheta(double)}. */
    public ExitPolicy defaultPolicy() {
        return ExitPolicy.defaults(encoder.numLayers());
    }

    /** The model's prompts (e.g. e5's "query: "); callers put one before their texts where the model expects it. */
    public Prompts prompts() {
        return encoder.prompts();
    }

    public int dimension() {
        return encoder.dimension();
    }

    public int numLayers() {
        return encoder.numLayers();
    }

    /** Longest input in tokens; longer texts are cut and their {@link Embedding#truncated()} is true. */
    public int maxTokens() {
        return encoder.tokenizer().maxLength();
    }

    public String name() {
        return encoder.name();
    }

    /** Frees the engine's threads and the tokenizer; the instance cannot be used afterwards. */
    @Override
    public void close() {
        encoder.close();
    }
}
