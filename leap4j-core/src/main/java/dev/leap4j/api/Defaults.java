package dev.leap4j.api;

import java.nio.file.Path;

/**
 * The defaults every entry point shares (CLI, server, library, adapters, Spark), written once. The exit rule's
 * default is not here: it belongs to each model ({@link Leap4j#defaultPolicy()}).
 */
public final class Defaults {
    /** Inputs per engine batch when a caller hands over a longer list. */
    public static final int BATCH_SIZE = 32;

    /** The checkpoint's floats: int8 is faster but not equal, so a caller asks for it. */
    public static final WeightFormat WEIGHTS = WeightFormat.FP32;

    private Defaults() {}

    /** Where built-in models are imported to: {@code $LEAP4J_CACHE}, else {@code ~/.cache/leap4j/models}. */
    public static Path cacheDir() {
        String env = System.getenv("LEAP4J_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "leap4j", "models");
    }

    /** Engine threads: one per core. */
    public static int threads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }
}
