package dev.leap4j.spark;

import dev.leap4j.api.UsageException;
import dev.leap4j.api.Defaults;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.api.WeightFormat;
import dev.leap4j.api.Prompt;
import dev.leap4j.api.Leap4j;

import java.io.Serializable;

/**
 * How {@link Leap4jSpark#embed} embeds: travels to the executors with the job, so it holds only what a task needs
 * to find or build its engine and rule. Unset (null) values take the model's defaults on the executor, where the
 * model is.
 *
 * @param model      a built-in name ({@code all-minilm-l6-v2}, {@code bge-small-en-v1.5}, {@code e5-small-v2}) or a
 *                   model folder that exists at this path on every executor
 * @param theta      exit threshold; above 1 = full depth; null = the model's calibrated theta, else full depth
 *                   ({@link Leap4j#defaultPolicy()})
 * @param minLayer   first layer allowed to exit; null = the model's calibration, else half its depth
 * @param patience   consecutive agreeing layers needed; null = the model's calibration, else 1
 * @param depth      run at most this many layers (1..the model's depth); null = full depth
 * @param threads    engine threads per executor; null = the executor's cores
 * @param weights    the form of the layers' matrices: {@link WeightFormat#FP32} (the default) or int8
 * @param batchSize  rows read and embedded together within a partition; the library splits a call into engine
 *                   batches of at most {@link dev.leap4j.api.Leap4j#BATCH_SIZE} (32), so larger values only lengthen
 *                   the stretch a task reads ahead
 * @param promptName a prompt of the model (e.g. e5's {@code query}) put before every text; null = the model's default
 * @param promptText any text put before every text, instead of promptName
 */
public record EmbedOptions(String model, Double theta, Integer minLayer, Integer patience, Integer depth, Integer threads,
                           WeightFormat weights, int batchSize, String promptName, String promptText) implements Serializable {
    public static final int DEFAULT_BATCH_SIZE = 32;

    public EmbedOptions {
        if (model == null || model.isBlank()) throw new UsageException("no model given: use a built-in name or a model folder");
        if (theta != null && (Double.isNaN(theta) || theta <= 0)) {
            throw new UsageException("theta must be in (0, 1] (or > 1 for full depth), got " + theta);
        }
        if (minLayer != null && minLayer < 1) throw new UsageException("min layer must be >= 1, got " + minLayer);
        if (patience != null && patience < 1) throw new UsageException("patience must be >= 1, got " + patience);
        if (depth != null && depth < 1) throw new UsageException("depth must be >= 1 (or unset for full depth), got " + depth);
        if (threads != null && threads < 1) throw new UsageException("threads must be >= 1, got " + threads);
        if (weights == null) throw new UsageException("weights is required: WeightFormat.FP32 (the default) or INT8");
        if (batchSize < 1) throw new UsageException("batch size must be >= 1, got " + batchSize);
        if (promptName != null && promptText != null) {
            throw new UsageException("a prompt name and a prompt text exclude each other: give one");
        }
    }

    /** The model's defaults for everything else: its own exit rule (calibrated, else full depth), the executor's cores, batches of 32. */
    public static EmbedOptions of(String model) {
        return new EmbedOptions(model, null, null, null, null, null, Defaults.WEIGHTS, DEFAULT_BATCH_SIZE, null, null);
    }

    public EmbedOptions withTheta(double t) {
        return new EmbedOptions(model, t, minLayer, patience, depth, threads, weights, batchSize, promptName, promptText);
    }

    public EmbedOptions withMinLayer(int m) {
        return new EmbedOptions(model, theta, m, patience, depth, threads, weights, batchSize, promptName, promptText);
    }

    public EmbedOptions withPatience(int p) {
        return new EmbedOptions(model, theta, minLayer, p, depth, threads, weights, batchSize, promptName, promptText);
    }

    /** Run at most k layers: a fixed, cheaper dial. */
    public EmbedOptions withDepth(int k) {
        return new EmbedOptions(model, theta, minLayer, patience, k, threads, weights, batchSize, promptName, promptText);
    }

    public EmbedOptions withThreads(int t) {
        return new EmbedOptions(model, theta, minLayer, patience, depth, t, weights, batchSize, promptName, promptText);
    }

    /** {@link WeightFormat#INT8}: the layers' matrices as int8 per output column, a quarter of the bytes, close to fp32. */
    public EmbedOptions withWeights(WeightFormat w) {
        return new EmbedOptions(model, theta, minLayer, patience, depth, threads, w, batchSize, promptName, promptText);
    }

    public EmbedOptions withBatchSize(int b) {
        return new EmbedOptions(model, theta, minLayer, patience, depth, threads, weights, b, promptName, promptText);
    }

    /** The model's prompt of this name (see {@link Leap4j#promptNames()}), e.g. {@code passage} for e5's documents. */
    public EmbedOptions withPrompt(String name) {
        return new EmbedOptions(model, theta, minLayer, patience, depth, threads, weights, batchSize, name, null);
    }

    public EmbedOptions withPromptText(String text) {
        return new EmbedOptions(model, theta, minLayer, patience, depth, threads, weights, batchSize, null, text);
    }

    /** The exit rule for this model, as {@code leap4j embed} builds it from the same options. */
    public ExitPolicy policy(Leap4j model) {
        return model.policy(theta, minLayer, patience, depth);
    }

    /** The prompt put before every text: the text given, else the named model prompt, else the model's default. */
    public Prompt prompt(Leap4j model) {
        return model.prompt(promptName, promptText);
    }
}
