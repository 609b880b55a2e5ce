package dev.leap4j.spark;

import dev.leap4j.api.Defaults;
import dev.leap4j.api.Leap4j;
import dev.leap4j.api.WeightFormat;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The engines of this JVM, one per (model, threads, weights), loaded on first use and kept for the life of the JVM. On an
 * executor that means every task and partition of every job shares one engine: loading a model takes seconds and
 * its weights should exist once per JVM, and the engine runs one batch at a time on all its threads, so concurrent
 * tasks take turns at full width instead of splitting the cores. The exit rule is not part of the key: it is passed
 * with each call.
 */
final class ExecutorModels {
    private record Key(String model, int threads, WeightFormat weights) {}

    private static final ConcurrentHashMap<Key, Leap4j> MODELS = new ConcurrentHashMap<>();

    private static final Pattern LOCAL = Pattern.compile("local\\[(\\d+|\\*)(?:,\\d+)?]");

    private ExecutorModels() {}

    /** The engine for this model with the options' threads, or as many as this executor has cores. */
    static Leap4j get(EmbedOptions options) {
        int threads = threads(options);
        // computeIfAbsent runs the load at most once per key, however many tasks ask at the same moment; a failed
        // load stores nothing, so a later task tries again
        return MODELS.computeIfAbsent(new Key(options.model(), threads, options.weights()), k -> {
            try {
                return Leap4j.load(k.model(), Defaults.cacheDir(), k.threads(), k.weights());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load model " + k.model() + ": " + e.getMessage(), e);
            }
        });
    }

    /** The engine threads for these options on this executor. */
    static int threads(EmbedOptions options) {
        return options.threads() != null ? options.threads() : executorCores();
    }

    private static int executorCores() {
        SparkEnv env = SparkEnv.get();
        int available = Math.max(1, Runtime.getRuntime().availableProcessors());
        return env == null ? available : cores(env.conf(), available);
    }

    /**
     * This executor's cores: N for local[N] (the driver is the executor, and spark.executor.cores means nothing
     * there), spark.executor.cores where it is set, else every core of the machine (standalone mode's default).
     */
    static int cores(SparkConf conf, int available) {
        String master = conf.get("spark.master", "");
        if (master.equals("local")) return 1;
        Matcher m = LOCAL.matcher(master);
        if (m.matches()) return m.group(1).equals("*") ? available : Math.max(1, Integer.parseInt(m.group(1)));
        if (conf.contains("spark.executor.cores")) return Math.max(1, conf.getInt("spark.executor.cores", 1));
        return available;
    }
}
