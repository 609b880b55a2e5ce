package dev.leap4j.serve;

import dev.leap4j.exit.ExitPolicy;

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
 */
public record ServerSettings(String host, int port, ExitPolicy defaultPolicy, int maxBatchTokens, int maxQueue,
                             int maxInputsPerRequest, int maxBodyBytes, boolean truncateByDefault, Duration shutdownGrace) {
    public static final int DEFAULT_MAX_BATCH_TOKENS = 16_384;
    public static final int DEFAULT_MAX_QUEUE = 4_096;
    public static final int DEFAULT_MAX_INPUTS = 2_048;
    public static final int DEFAULT_MAX_BODY_BYTES = 8 << 20;

    public ServerSettings {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("host must not be empty");
        if (port < 0 || port > 65_535) throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        if (defaultPolicy == null) throw new IllegalArgumentException("a default exit policy is required");
        if (maxBatchTokens < 2) throw new IllegalArgumentException("max batch tokens must be >= 2, got " + maxBatchTokens);
        if (maxQueue < 1) throw new IllegalArgumentException("max queue must be >= 1, got " + maxQueue);
        if (maxInputsPerRequest < 1) throw new IllegalArgumentException("max inputs per request must be >= 1, got " + maxInputsPerRequest);
        if (maxInputsPerRequest > maxQueue) {
            throw new IllegalArgumentException("max inputs per request (" + maxInputsPerRequest + ") exceeds the queue (" + maxQueue
                    + "): such a request could never be admitted; raise --max-queue or lower --max-inputs");
        }
        if (maxBodyBytes < 64) throw new IllegalArgumentException("max body bytes must be >= 64, got " + maxBodyBytes);
        if (shutdownGrace == null || shutdownGrace.isNegative()) throw new IllegalArgumentException("shutdown grace must be >= 0");
    }

    /** Loopback, the given port and policy, every other limit at its default. */
    public static ServerSettings defaults(int port, ExitPolicy policy) {
        return new ServerSettings("127.0.0.1", port, policy, DEFAULT_MAX_BATCH_TOKENS, DEFAULT_MAX_QUEUE, DEFAULT_MAX_INPUTS,
                DEFAULT_MAX_BODY_BYTES, true, Duration.ofSeconds(30));
    }

    public ServerSettings withLimits(int batchTokens, int queue, int inputsPerRequest, int bodyBytes) {
        return new ServerSettings(host, port, defaultPolicy, batchTokens, queue, inputsPerRequest, bodyBytes, truncateByDefault, shutdownGrace);
    }

    public ServerSettings withTruncateByDefault(boolean truncate) {
        return new ServerSettings(host, port, defaultPolicy, maxBatchTokens, maxQueue, maxInputsPerRequest, maxBodyBytes, truncate, shutdownGrace);
    }
}
