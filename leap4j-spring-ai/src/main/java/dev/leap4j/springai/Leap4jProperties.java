package dev.leap4j.springai;

import dev.leap4j.api.Defaults;
import dev.leap4j.api.WeightFormat;
import org.springframework.boot.context.properties.ConfigurationProperties;

import java.nio.file.Path;

/**
 * {@code leap4j.*}: the model, its exit rule, the engine's threads and the prompts. Unset values take the same
 * defaults as {@code leap4j embed}: the model's calibrated exit rule, else full depth.
 */
@ConfigurationProperties(prefix = Leap4jProperties.PREFIX)
public class Leap4jProperties {
    public static final String PREFIX = "leap4j";

    /** Built-in model name (all-minilm-l6-v2, bge-small-en-v1.5, e5-small-v2) or a model folder. */
    private String model = "all-minilm-l6-v2";

    /**
     * Exit when cos(layer l, layer l-1) >= theta; above 1 means full depth. Unset means the model's calibrated theta,
     * else full depth: stock models are not calibrated, and early exit on them ranks search results wrongly.
     */
    private Double theta;

    /** First layer allowed to exit; unset means the model's calibration, else half its depth. */
    private Integer minLayer;

    /** Consecutive agreeing layers needed to exit; unset means the model's calibration, else 1. */
    private Integer patience;

    /** Run at most this many layers (1..the model's depth); unset means the model's full depth. */
    private Integer depth;

    /** Engine threads; unset means one per core. */
    private Integer threads;

    /**
     * The layers' matrices as the checkpoint's floats (fp32, the default) or int8 per output column, quantized at
     * load (a quarter of the bytes; close to fp32, not equal).
     */
    private WeightFormat weights = Defaults.WEIGHTS;

    /** Where built-in models are imported to; unset means $LEAP4J_CACHE, else ~/.cache/leap4j/models. A leading ~ is the home folder. */
    private String cacheDir;

    /**
     * One model prompt put before queries and documents alike (e.g. e5's "query"); unset means the model's query
     * prompt for queries (embed(String)) and its document prompt for documents (embed(Document), call).
     */
    private String promptName;

    /** Text put before queries and documents alike, instead of the model's prompts. */
    private String promptText;

    /**
     * Rejects values that cannot work, before the model is loaded, with one line naming the property. Checks that
     * need the model (min-layer and depth against its depth, the prompt name) happen once it is loaded.
     */
    void validate() {
        if (model == null || model.isBlank()) {
            throw new Leap4jConfigException(PREFIX + ".model is empty: give a built-in model name (all-minilm-l6-v2, "
                    + "bge-small-en-v1.5, e5-small-v2) or a model folder");
        }
        if (theta != null && (Double.isNaN(theta) || theta <= 0)) {
            throw new Leap4jConfigException(PREFIX + ".theta must be > 0 (e.g. 0.95; above 1 means full depth; unset for the model's default), got " + theta);
        }
        if (minLayer != null && minLayer < 1) {
            throw new Leap4jConfigException(PREFIX + ".min-layer must be >= 1 (or unset for the model's default), got " + minLayer);
        }
        if (patience != null && patience < 1) {
            throw new Leap4jConfigException(PREFIX + ".patience must be >= 1, got " + patience);
        }
        if (depth != null && depth < 1) {
            throw new Leap4jConfigException(PREFIX + ".depth must be >= 1 (or unset for full depth), got " + depth);
        }
        if (weights == null) {
            throw new Leap4jConfigException(PREFIX + ".weights is empty: give fp32 (the default) or int8");
        }
        if (threads != null && threads < 1) {
            throw new Leap4jConfigException(PREFIX + ".threads must be >= 1 (or unset for one per core), got " + threads);
        }
        if (promptName != null && promptText != null) {
            throw new Leap4jConfigException(PREFIX + ".prompt-name and " + PREFIX + ".prompt-text exclude each other: "
                    + "set the model's prompt name or the text itself, not both");
        }
    }

    /** The cache folder with defaults and ~ applied. */
    Path resolvedCacheDir() {
        String home = System.getProperty("user.home");
        if (cacheDir == null || cacheDir.isBlank()) return Defaults.cacheDir();
        if (cacheDir.equals("~")) return Path.of(home);
        if (cacheDir.startsWith("~/")) return Path.of(home, cacheDir.substring(2));
        return Path.of(cacheDir);
    }

    int resolvedThreads() {
        return threads != null ? threads : Defaults.threads();
    }

    public String getModel() {
        return model;
    }

    public void setModel(String model) {
        this.model = model;
    }

    public Double getTheta() {
        return theta;
    }

    public void setTheta(Double theta) {
        this.theta = theta;
    }

    public Integer getMinLayer() {
        return minLayer;
    }

    public void setMinLayer(Integer minLayer) {
        this.minLayer = minLayer;
    }

    public Integer getPatience() {
        return patience;
    }

    public void setPatience(Integer patience) {
        this.patience = patience;
    }

    public Integer getDepth() {
        return depth;
    }

    public void setDepth(Integer depth) {
        this.depth = depth;
    }

    public WeightFormat getWeights() {
        return weights;
    }

    public void setWeights(WeightFormat weights) {
        this.weights = weights;
    }

    public Integer getThreads() {
        return threads;
    }

    public void setThreads(Integer threads) {
        this.threads = threads;
    }

    public String getCacheDir() {
        return cacheDir;
    }

    public void setCacheDir(String cacheDir) {
        this.cacheDir = cacheDir;
    }

    public String getPromptName() {
        return promptName;
    }

    public void setPromptName(String promptName) {
        this.promptName = promptName;
    }

    public String getPromptText() {
        return promptText;
    }

    public void setPromptText(String promptText) {
        this.promptText = promptText;
    }
}
