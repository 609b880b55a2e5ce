package dev.leap4j.cli;

import dev.leap4j.api.UsageException;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.serve.DepthController;
import dev.leap4j.serve.EmbeddingServer;
import dev.leap4j.serve.MemoryPlan;
import dev.leap4j.serve.ServerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "HTTP embedding server: OpenAI POST /v1/embeddings, TEI POST /embed, GET /health, /info, /metrics (Prometheus). "
                + "Stops gracefully on SIGINT/SIGTERM.")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOption model = new ModelOption();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port (default 8080)")
    int port;

    @Mixin
    ExitOptions exit = new ExitOptions();

    @Option(names = "--max-batch-tokens", defaultValue = "" + ServerSettings.DEFAULT_MAX_BATCH_TOKENS,
            description = "token budget of one engine batch (default ${DEFAULT-VALUE})")
    int maxBatchTokens;

    @Option(names = "--max-queue", defaultValue = "" + ServerSettings.DEFAULT_MAX_QUEUE,
            description = "inputs allowed to wait; beyond it requests get 429 (default ${DEFAULT-VALUE})")
    int maxQueue;

    @Option(names = "--max-inputs", defaultValue = "" + ServerSettings.DEFAULT_MAX_INPUTS,
            description = "inputs per request; more is 413 (default ${DEFAULT-VALUE})")
    int maxInputs;

    @Option(names = "--max-body-bytes", defaultValue = "" + ServerSettings.DEFAULT_MAX_BODY_BYTES,
            description = "request body limit; more is 413 (default ${DEFAULT-VALUE})")
    int maxBodyBytes;

    @Option(names = "--auto-truncate", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "cut over-long texts when a request does not say (default true; --no-auto-truncate refuses them with 413)")
    boolean autoTruncate;

    @Option(names = "--shutdown-grace", defaultValue = "30", description = "seconds a graceful stop waits for queued work (default 30)")
    int shutdownGraceSeconds;

    @Option(names = "--body-timeout", defaultValue = "10", description = "seconds a request body may take to arrive; then the connection is closed (default 10)")
    int bodyTimeoutSeconds;

    @Option(names = "--min-body-rate", defaultValue = "" + ServerSettings.ClientLimits.DEFAULT_MIN_BODY_RATE,
            description = "bytes/s a body must keep arriving at once started, else 408 (default ${DEFAULT-VALUE}; 0 = off)")
    long minBodyRate;

    @Option(names = "--max-connections-per-client", defaultValue = "0", description = "open connections one client address may hold (default 0 = no cap)")
    int maxConnectionsPerClient;

    @Option(names = "--api-key", description = "require Authorization: Bearer KEY on the embedding endpoints (default: $LEAP4J_API_KEY, else none); "
            + "prefer the environment variable, which other users cannot read from the process list")
    String apiKey;

    @Option(names = "--floor-depth", description = "shed depth, not requests: under load serve batches with fewer layers, never fewer than K "
            + "(pick K from an eval report's fixed-cut curve); a model with depth paths sheds from rung to rung; "
            + "requests with \"shed\": false keep their own setting (default: off)")
    Integer floorDepth;

    @Option(names = "--latency-target", defaultValue = "200", description = "queue wait in ms the depth controller aims to stay under; it sheds a "
            + "layer per batch above it and gives one back below half of it (default ${DEFAULT-VALUE}; needs --floor-depth)")
    long latencyTargetMs;

    @Option(names = "--protect-metrics", description = "GET /metrics needs the API key too (GET /health and /info stay open)")
    boolean protectMetrics;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (shutdownGraceSeconds < 0) throw new UsageException("--shutdown-grace must be >= 0, got " + shutdownGraceSeconds);
        if (bodyTimeoutSeconds < 1) throw new UsageException("--body-timeout must be >= 1 second, got " + bodyTimeoutSeconds);
        if (minBodyRate < 0) throw new UsageException("--min-body-rate must be >= 0, got " + minBodyRate);
        if (maxConnectionsPerClient < 0) throw new UsageException("--max-connections-per-client must be >= 0, got " + maxConnectionsPerClient);
        String key = apiKey != null ? apiKey : System.getenv("LEAP4J_API_KEY");
        if (key != null && key.isBlank()) throw new UsageException("the API key (--api-key or LEAP4J_API_KEY) is empty");
        if (protectMetrics && key == null) throw new UsageException("--protect-metrics needs an API key: pass --api-key or set LEAP4J_API_KEY");
        ServerSettings.ClientLimits limits = new ServerSettings.ClientLimits(Duration.ofSeconds(bodyTimeoutSeconds), minBodyRate,
                maxConnectionsPerClient, key, protectMetrics);
        EarlyExitEncoder enc = model.open(threads.get());
        ExitPolicy policy;
        try {
            policy = exit.policy(enc);
        } catch (RuntimeException e) {
            enc.close();
            throw e;
        }
        if (latencyTargetMs < 1) throw new UsageException("--latency-target must be >= 1 ms, got " + latencyTargetMs);
        if (floorDepth != null && (floorDepth < 1 || floorDepth > enc.numLayers())) {
            enc.close();
            throw new UsageException("--floor-depth " + floorDepth + " is out of range: this model has layers 1.." + enc.numLayers());
        }
        DepthController.Settings shedding = floorDepth == null ? null : new DepthController.Settings(Duration.ofMillis(latencyTargetMs), floorDepth);
        ServerSettings settings = new ServerSettings(host, port, policy, maxBatchTokens, maxQueue, maxInputs, maxBodyBytes, autoTruncate,
                Duration.ofSeconds(shutdownGraceSeconds), limits, shedding);
        EmbeddingServer server;
        try {
            server = EmbeddingServer.start(enc, settings);
        } catch (RuntimeException e) {
            enc.close();
            throw e;
        }
        MemoryPlan memory = server.memoryPlan();
        long maxHeap = Runtime.getRuntime().maxMemory();
        System.err.printf(Locale.ROOT, "leap4j serve: memory: %s; max heap %d MiB%n", memory.describe(), maxHeap >> 20);
        if (maxHeap < memory.liveBytes())
            System.err.printf(Locale.ROOT, "leap4j serve: warning: the max heap (%d MiB) is below the server's bound; under full load it can run out of memory: "
                    + "set LEAP4J_JAVA_OPTS=-Xmx%dm, or lower --max-batch-tokens, --max-queue or --max-body-bytes%n", maxHeap >> 20, (memory.recommendedHeapBytes() >> 20) + 1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("leap4j serve: stopping (finishing queued work)");
            server.close();
            enc.close();
            stopped.countDown();
        }, "leap4j-shutdown"));
        System.err.printf(Locale.ROOT, "leap4j serve: %s (%d layers, dim %d) on http://%s:%d  default %s, %d threads%s%n",
                enc.name(), enc.numLayers(), enc.dimension(), host, server.port(), policy.describe(), enc.threads(),
                (key == null ? "" : ", API key required") + (shedding == null ? ""
                        : String.format(Locale.ROOT, ", sheds depth down to %d layers above a %d ms queue wait", floorDepth, latencyTargetMs)));
        stopped.await();
        return 0;
    }
}
