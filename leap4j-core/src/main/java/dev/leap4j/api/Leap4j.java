package dev.leap4j.api;

import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.load.ModelLocator;
import dev.leap4j.tensor.RuntimeCheck;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * leap4j as a library: load a model once, then embed from any number of threads. The supported API is this
 * package: {@link Leap4j}, {@link ExitPolicy}, {@link Embedding}, {@link Prompt}, {@link Defaults}, {@link WeightFormat}, {@link Texts}
 * and {@link ModelFormatException}; everything else in the jar is internal and may change.
 *
 * <pre>{@code
 * try (Leap4j model = Leap4j.load("e5-small-v2")) {            // throws IOException when the files cannot be read
 *     List<Embedding> out = model.embed(List.of("query: how do cells divide?"));
 *     float[] vector = out.get(0).vector();   // L2-normalised when the model's pipeline normalises
 *     int layer = out.get(0).exitLayer();      // the layer that produced it (numLayers() = full depth)
 * }
 * }</pre>
 *
 * <p><b>Depth by default.</b> {@link #defaultPolicy()} is the exit rule the model's evaluation recommends (its
 * {@code leap4j_exit.json}, written by {@code leap4j eval ... --calibrate}), and full depth for a model without one
 * or judged "not viable" (every stock built-in model): on such models inputs exit at different layers and their
 * vectors rank wrongly against each other. {@link #policy} turns exits on explicitly, with one logged warning on
 * such a model.
 *
 * <p>Results are exactly those of {@code leap4j embed} and {@code leap4j serve} for the same model, text and policy
 * (same floats, same exit layer), whatever else is embedded in the same call or concurrently: the engine computes
 * every input the same way alone or in any batch. Calls from several threads are safe; they share one engine and
 * run one batch at a time, so throughput comes from batching (pass many texts per call), not from threads.
 */
public final class Leap4j implements AutoCloseable {
    /** Inputs per engine batch inside one {@link #embed(List, ExitPolicy)} call. */
    public static final int BATCH_SIZE = Defaults.BATCH_SIZE;

    private final EarlyExitEncoder encoder;

    private Leap4j(EarlyExitEncoder encoder) {
        this.encoder = encoder;
    }

    /**
     * Loads a built-in model ({@code all-minilm-l6-v2}, {@code bge-small-en-v1.5}, {@code e5-small-v2}) or a model
     * folder, with the default cache ({@link Defaults#cacheDir()}: {@code $LEAP4J_CACHE}, else
     * {@code ~/.cache/leap4j/models}) and one engine thread per core.
     */
    public static Leap4j load(String modelOrFolder) throws IOException {
        return load(modelOrFolder, Defaults.cacheDir(), Defaults.threads());
    }

    /**
     * As {@link #load(String)} with the cache where built-in models are imported to and the engine's thread count.
     *
     * @throws dev.leap4j.api.UsageException for an unknown name or a folder that is not a model
     * @throws IllegalStateException    when the JVM was started without {@code --add-modules jdk.incubator.vector}
     * @throws IOException              when the model files cannot be read
     */
    public static Leap4j load(String modelOrFolder, Path cacheDir, int threads) throws IOException {
        return load(modelOrFolder, cacheDir, threads, Defaults.WEIGHTS);
    }

    /**
     * As {@link #load(String, Path, int)} with the form of the layers' matrices: {@link WeightFormat#INT8}
     * quantizes them once, on the first call, for a quarter of the weight bytes per forward pass at a small
     * quality cost. Either way an input's vector is the same alone, in any batch and on any thread count.
     */
    public static Leap4j load(String modelOrFolder, Path cacheDir, int threads, WeightFormat weights) throws IOException {
        if (threads < 1) throw new UsageException("threads must be >= 1, got " + threads);
        if (weights == null) throw new UsageException("weights is required (WeightFormat.FP32 for the checkpoint's floats)");
        RuntimeCheck.requireVectorApi();
        return new Leap4j(new EarlyExitEncoder(ModelLocator.load(modelOrFolder, cacheDir), threads, weights));
    }

    /** Embeds texts under the model's default rule ({@link #defaultPolicy()}); results in input order. */
    public List<Embedding> embed(List<String> texts) {
        return embed(texts, defaultPolicy());
    }

    /**
     * Embeds texts under policy; results in input order.
     *
     * @throws dev.leap4j.api.UsageException for a null, empty or blank text (its vector would say nothing about it, yet
     *                                  rank like any other), naming its index; nothing is embedded then
     */
    public List<Embedding> embed(List<String> texts, ExitPolicy policy) {
        if (texts == null || policy == null) throw new UsageException("texts and policy are required");
        for (int i = 0; i < texts.size(); i++) {
            String reason = Texts.refusal(texts.get(i));
            if (reason != null) throw new UsageException("text " + i + " " + reason);
        }
        policy.checkDepth(encoder.numLayers());
        encoder.warnIfUncalibrated(policy);
        return encoder.embed(texts, policy, BATCH_SIZE);
    }

    /** One text's vector under the default rule. */
    public float[] embed(String text) {
        return embed(List.of(text)).getFirst().vector();
    }

    /**
     * The rule a caller that sets nothing gets: the model's calibrated rule when its evaluation recommends one,
     * else full depth (min layer half the depth and patience 1, ready for {@link ExitPolicy#withTheta}).
     */
    public ExitPolicy defaultPolicy() {
        return encoder.defaultPolicy();
    }

    /**
     * The default rule with each value given in its place (null keeps it): theta (above 1 = no early exit), the
     * first layer allowed to exit, patience, and depth (a cap: no input runs past layer depth). Logs one warning
     * when it turns early exit on for a model not calibrated for it.
     *
     * @throws dev.leap4j.api.UsageException for values out of range for this model, naming the valid range
     */
    public ExitPolicy policy(Double theta, Integer minLayer, Integer patience, Integer depth) {
        return encoder.policy(theta, minLayer, patience, depth);
    }

    /** Whether the model's evaluation recommends early exit, so that {@link #defaultPolicy()} uses it. */
    public boolean earlyExitByDefault() {
        return encoder.calibration().recommendsExit();
    }

    /** What the model's evaluations concluded, one line each (empty when it has none). */
    public List<String> calibration() {
        return encoder.calibration().summaries();
    }

    /** The model's prompt of this name (e5: {@code query}, {@code passage}); an unknown name lists the known ones. */
    public Prompt prompt(String name) {
        return encoder.prompts().get(name);
    }

    /**
     * The prompt a run asks for: text when given (any text), else the model prompt called name, else the model's
     * default prompt (or none); both at once is an error.
     */
    public Prompt prompt(String name, String text) {
        return encoder.prompts().choose(name, text);
    }

    /** The prompt for search queries: the model's "query" prompt, else its default (sentence-transformers' encode_query). */
    public Prompt queryPrompt() {
        return encoder.prompts().forQueries();
    }

    /** The prompt for indexed documents: "document", "passage" or "corpus", else the default (encode_document). */
    public Prompt documentPrompt() {
        return encoder.prompts().forDocuments();
    }

    /** The model's prompt names, in its file's order. */
    public Set<String> promptNames() {
        return encoder.prompts().byName().keySet();
    }

    /** The form the engine holds the layers' matrices in. */
    public WeightFormat weightFormat() {
        return encoder.weightFormat();
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
