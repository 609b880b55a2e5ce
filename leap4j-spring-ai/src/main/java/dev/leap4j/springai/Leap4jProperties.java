package dev.leap4j.springai;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.nio.file.Path;

/**
 * {@code leap4j.*}: the model, its exit rule, the engine's threads and the prompt. Unset values take the same
 * defaults as {@code leap4j embed}.
 */
@ConfigurationProperties(prefix = Leap4jProperties.PREFIX)
public class Leap4jProperties {
    public static final String PREFIX = "leap4j";

    /** Built-in model name (all-minilm-l6-v2, bge-small-en-v1.5, e5-small-v2) or a model folder. */
    private String model = "all-minilm-l6-v2";

    /** Exit when cos(layer l, layer l-1) >= theta; above 1 means full depth. */
    private double theta = 0.95;

    /** First layer allowed to exit; unset means half the model's depth. */
    private Integer minLayer;

    /** Consecutive agreeing layers needed to exit. */
    private int patience = 1;

    /** Engine threads; unset means one per core. */
    private Integer threads;

    /** Where built-in models are imported to; unset means ~/.cache/leap4j/models. A leading ~ is the home folder. */
    private String cacheDir;

    /** The model prompt put before every input (e.g. e5's "query" or "passage"); unset means the model's default. */
    private String promptName;

    /** Text put before every input, instead of a model prompt. */
    private String promptText;

    /**
     * Rejects values that cannot work, before the model is loaded, with one line naming the property. Checks that
     * need the model (min-layer against its depth, the prompt name) happen once it is loaded.
     */
    void validate() {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException(PREFIX + ".model is empty: give a built-in model name (all-minilm-l6-v2, "
                    + "bge-small-en-v1.5, e5-small-v2) or a model folder");
        }
        if (Double.isNaN(theta) || theta <= 0) {
            throw new IllegalArgumentException(PREFIX + ".theta must be > 0 (e.g. 0.95; above 1 means full depth), got " + theta);
        }
        if (minLayer != null && minLayer < 1) {
            throw new IllegalArgumentException(PREFIX + ".min-layer must be >= 1 (or unset for half the model's depth), got " + minLayer);
        }
        if (patience < 1) {
            throw new IllegalArgumentException(PREFIX + ".patience must be >= 1, got " + patience);
        }
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException(PREFIX + ".threads must be >= 1 (or unset for one per core), got " + threads);
        }
        if (promptName != null && promptText != null) {
            throw new IllegalArgumentException(PREFIX + ".prompt-name and " + PREFIX + ".prompt-text exclude each other: "
                    + "set the model's prompt name or the text itself, not both");
        }
    }

    /** The cache folder with defaults and ~ applied. */
    Path resolvedCacheDir() {
        String home = System.getProperty("user.home");
        if (cacheDir == null || cacheDir.isBlank()) return Path.of(home, ".cache", "leap4j", "models");
        if (cacheDir.equals("~")) return Path.of(home);
        if (cacheDir.startsWith("~/")) return Path.of(home, cacheDir.substring(2));
        return Path.of(cacheDir);
    }

    int resolvedThreads() {
        return threads != null ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    public String getModel() {
        return model;
    }

    public void setModel(String model) {
        this.model = model;
    }

    public double getTheta() {
        return theta;
    }

    public void setTheta(double theta) {
        this.theta = theta;
    }

    public Integer getMinLayer() {
        return minLayer;
    }

    public void setMinLayer(Integer minLayer) {
        this.minLayer = minLayer;
    }

    public int getPatience() {
        return patience;
    }

    public void setPatience(int patience) {
        this.patience = patience;
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
