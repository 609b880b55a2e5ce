package dev.leap4j.serve;

import dev.leap4j.api.UsageException;
import dev.leap4j.api.ExitPolicy;

import java.time.Duration;

/**
 * What one server accepts and how it batches.
 *
 * @param host                where to listen ("127.0.0.1" for loopback only, "0.0.0.0" for all interfaces)
 * @param port                TCP port; 0 picks a free one (tests)
 * @param defaultPolicy       the exit rule for requests without a theta override
 * @param maxBatchTokens      token budget of one engine batch (bounds the activation workspace)
 * @param maxQueue            inputs waiting for the engine; a request that does not fit is refused with 429
 * @param maxInputsPerRequest inputs one request may carry; more is 413
 * @param maxBodyBytes        request body limit; more is 413
 * @param truncateByDefault   whether an over-long text is cut (and reported) when the request does not say
 * @param shutdownGrace       how long a graceful stop waits for queued work and open responses
 * @param client              what one client may cost the server, and whether it must authenticate
 * @param shedding            the depth controller's target and floor, or null to serve every input at its own setting
 */
public record ServerSettings(String host, int port, ExitPolicy defaultPolicy, int maxBatchTokens, int maxQueue,
                             int maxInputsPerRequest, int maxBodyBytes, boolean truncateByDefault, Duration shutdownGrace,
                             ClientLimits client, DepthController.Settings shedding) {
    public static final int DEFAULT_MAX_BATCH_TOKENS = 16_384;
    public static final int DEFAULT_MAX_QUEUE = 4_096;
    public static final int DEFAULT_MAX_INPUTS = 2_048;
    public static final int DEFAULT_MAX_BODY_BYTES = 8 << 20;

    /**
     * Defences against slow or hostile clients.
     *
     * @param bodyTimeout          a request body must have fully arrived this long after its handler started, else
     *                             the connection is closed (the handler never waits longer on one client)
     * @param minBodyBytesPerSecond once a body has started, it must keep arriving at least this fast (Jetty answers 408
     *                             and closes); 0 turns the check off
     * @param maxConnectionsPerClient open connections one remote address may hold; more are closed at once; 0 = no cap
     * @param apiKey               when not null, the embedding endpoints need {@code Authorization: Bearer <apiKey>}
     * @param protectMetrics       whether GET /metrics needs the key too (GET /health and /info never do)
     */
    public record ClientLimits(Duration bodyTimeout, long minBodyBytesPerSecond, int maxConnectionsPerClient, String apiKey,
                               boolean protectMetrics) {
        public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(10);
        public static final long DEFAULT_MIN_BODY_RATE = 1024;

        public ClientLimits {
            if (bodyTimeout == null || bodyTimeout.isNegative() || bodyTimeout.isZero()) throw new UsageException("body timeout must be > 0");
            if (minBodyBytesPerSecond < 0) throw new UsageException("minimum body rate must be >= 0, got " + minBodyBytesPerSecond);
            if (maxConnectionsPerClient < 0) throw new UsageException("connections per client must be >= 0, got " + maxConnectionsPerClient);
            if (apiKey != null && apiKey.isBlank()) throw new UsageException("the API key must not be empty");
            if (protectMetrics && apiKey == null) throw new UsageException("protecting /metrics needs an API key");
        }

        public static ClientLimits defaults() {
            return new ClientLimits(DEFAULT_BODY_TIMEOUT, DEFAULT_MIN_BODY_RATE, 0, null, false);
        }
    }

    public ServerSettings {
        if (host == null || host.isBlank()) throw new UsageException("host must not be empty");
        if (port < 0 || port > 65_535) throw new UsageException("port must be in [0, 65535], got " + port);
        if (defaultPolicy == null) throw new UsageException("a default exit policy is required");
        if (maxBatchTokens < 2) throw new UsageException("max batch tokens must be >= 2, got " + maxBatchTokens);
        if (maxQueue < 1) throw new UsageException("max queue must be >= 1, got " + maxQueue);
        if (maxInputsPerRequest < 1) throw new UsageException("max inputs per request must be >= 1, got " + maxInputsPerRequest);
        if (maxInputsPerRequest > maxQueue) {
            throw new UsageException("max inputs per request (" + maxInputsPerRequest + ") exceeds the queue (" + maxQueue
                    + "): such a request could never be admitted; raise --max-queue or lower --max-inputs");
        }
        if (maxBodyBytes < 64) throw new UsageException("max body bytes must be >= 64, got " + maxBodyBytes);
        if (shutdownGrace == null || shutdownGrace.isNegative()) throw new UsageException("shutdown grace must be >= 0");
        if (client == null) throw new UsageException("client limits are required");
    }

    /** Loopback, the given port and policy, every other limit at its default. */
    public static ServerSettings defaults(int port, ExitPolicy policy) {
        return new ServerSettings("127.0.0.1", port, policy, DEFAULT_MAX_BATCH_TOKENS, DEFAULT_MAX_QUEUE, DEFAULT_MAX_INPUTS,
                DEFAULT_MAX_BODY_BYTES, true, Duration.ofSeconds(30), ClientLimits.defaults(), null);
    }

    public ServerSettings withLimits(int batchTokens, int queue, int inputsPerRequest, int bodyBytes) {
        return new ServerSettings(host, port, defaultPolicy, batchTokens, queue, inputsPerRequest, bodyBytes, truncateByDefault, shutdownGrace, client, shedding);
    }

    public ServerSettings withTruncateByDefault(boolean truncate) {
        return new ServerSettings(host, port, defaultPolicy, maxBatchTokens, maxQueue, maxInputsPerRequest, maxBodyBytes, truncate, shutdownGrace, client, shedding);
    }

    public ServerSettings withClientLimits(ClientLimits limits) {
        return new ServerSettings(host, port, defaultPolicy, maxBatchTokens, maxQueue, maxInputsPerRequest, maxBodyBytes, truncateByDefault, shutdownGrace, limits, shedding);
    }

    /** Sheds depth under load down to the floor (null: never). */
    public ServerSettings withShedding(DepthController.Settings s) {
        return new ServerSettings(host, port, defaultPolicy, maxBatchTokens, maxQueue, maxInputsPerRequest, maxBodyBytes, truncateByDefault, shutdownGrace, client, s);
    }
}
