package dev.leap4j.serve;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The server's Prometheus metrics. Every label takes values from a fixed set (endpoint, status class, reject
 * reason), so the number of series does not grow with traffic: a request's text, theta or client never
 * becomes a label. The exit-layer histogram has one bucket per layer, so it gives the exact distribution.
 */
public final class ServeMetrics {
    /** The labelled endpoints; everything else (health, metrics, 404s) is not timed. */
    public enum Endpoint { OPENAI, TEI }

    /** Why a request was refused before reaching the engine. */
    public enum Rejection { BAD_REQUEST, TOO_LARGE, QUEUE_FULL, SHUTTING_DOWN, UNAUTHORIZED, TIMEOUT }

    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Timer> requestTimers = new ConcurrentHashMap<>();
    private final Map<Rejection, Counter> rejections = new EnumMap<>(Rejection.class);
    private final DistributionSummary batchInputs, batchTokens, exitLayer;
    private final Timer queueWait, batchTime;
    private final Counter admitted, inputs, tokens, truncated, engineFailures;
    private volatile Counter shedInputs;

    public ServeMetrics(int numLayers) {
        batchInputs = DistributionSummary.builder("leap4j.batch.inputs").description("inputs per engine batch")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096).register(registry);
        batchTokens = DistributionSummary.builder("leap4j.batch.tokens").description("tokens per engine batch")
                .serviceLevelObjectives(16, 64, 256, 1024, 2048, 4096, 8192, 16384, 32768, 65536).register(registry);
        double[] layers = new double[numLayers];
        for (int l = 0; l < numLayers; l++) layers[l] = l + 1;
        exitLayer = DistributionSummary.builder("leap4j.exit.layer").description("layer each input exited at (the model's depth = no early exit)")
                .serviceLevelObjectives(layers).register(registry);
        queueWait = Timer.builder("leap4j.queue.wait").description("time an input waits before its batch starts")
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
        batchTime = Timer.builder("leap4j.batch.duration").description("engine time per batch")
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
        admitted = Counter.builder("leap4j.admitted.inputs").description("inputs accepted into the queue").register(registry);
        inputs = Counter.builder("leap4j.inputs").description("inputs embedded").register(registry);
        tokens = Counter.builder("leap4j.tokens").description("tokens embedded, special tokens included").register(registry);
        truncated = Counter.builder("leap4j.truncated.inputs").description("inputs cut to the model's max length").register(registry);
        engineFailures = Counter.builder("leap4j.engine.failures").description("batches that failed inside the engine").register(registry);
        for (Rejection r : Rejection.values()) {
            rejections.put(r, Counter.builder("leap4j.rejected.requests").tag("reason", r.name().toLowerCase(java.util.Locale.ROOT))
                    .description("requests refused before the engine").register(registry));
        }
    }

    /** Exposes the depth controller's cap and target as gauges, and counts the inputs it sheds. */
    void watchShedding(IntSupplier cap, Duration target) {
        Gauge.builder("leap4j.shed.depth.cap", cap, s -> s.getAsInt()).description("layers the depth controller lets a batch run now (the model's depth: nothing shed)")
                .strongReference(true).register(registry);
        Gauge.builder("leap4j.latency.target.seconds", target, t -> t.toNanos() / 1e9).description("the queue wait the depth controller aims to stay under")
                .strongReference(true).register(registry);
        shedInputs = Counter.builder("leap4j.shed.inputs").description("inputs served with fewer layers than they asked for").register(registry);
    }

    void shed(int n) {
        if (shedInputs != null) shedInputs.increment(n);
    }

    /** Exposes the scheduler's queue as gauges (read at scrape time). */
    void watchQueue(IntSupplier queueDepth, IntSupplier queueTokens) {
        Gauge.builder("leap4j.queue.depth", queueDepth, s -> s.getAsInt()).description("inputs waiting for the engine").strongReference(true).register(registry);
        Gauge.builder("leap4j.queue.tokens", queueTokens, s -> s.getAsInt()).description("tokens waiting for the engine").strongReference(true).register(registry);
    }

    public void request(Endpoint endpoint, int status, long nanos) {
        String key = endpoint.name() + statusClass(status);
        requestTimers.computeIfAbsent(key, k -> Timer.builder("leap4j.request").description("request latency, receipt to response")
                .tag("endpoint", endpoint.name().toLowerCase(java.util.Locale.ROOT)).tag("status", statusClass(status))
                .serviceLevelObjectives(LATENCY_BUCKETS).register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    static String statusClass(int status) {
        return status >= 100 && status < 600 ? (status / 100) + "xx" : "other";
    }

    public void rejected(Rejection reason) {
        rejections.get(reason).increment();
    }

    void admitted(int inputCount) {
        admitted.increment(inputCount);
    }

    void batch(int inputCount, int tokenCount, long nanos) {
        batchInputs.record(inputCount);
        batchTokens.record(tokenCount);
        batchTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    void input(int exit, int tokenCount, boolean wasTruncated, long waitNanos) {
        exitLayer.record(exit);
        inputs.increment();
        tokens.increment(tokenCount);
        if (wasTruncated) truncated.increment();
        queueWait.record(waitNanos, TimeUnit.NANOSECONDS);
    }

    void engineFailure() {
        engineFailures.increment();
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }
}
