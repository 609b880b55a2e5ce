package dev.leap4j.serve;

/**
 * A request the server refuses, with the HTTP status, a message that names the problem, and the offending
 * field (null when the problem is the body as a whole). Thrown only before any work is queued, so refusing a
 * request never touches another client's work.
 */
final class ApiException extends RuntimeException {
    final int status;
    final String param;
    final int retryAfterSeconds;   // > 0 only with 429

    private ApiException(int status, String message, String param, int retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiException badRequest(String param, String message) {
        return new ApiException(400, message, param, 0);
    }

    static ApiException unauthorized(String message) {
        return new ApiException(401, message, null, 0);
    }

    static ApiException timeout(String message) {
        return new ApiException(408, message, null, 0);
    }

    static ApiException tooLarge(String param, String message) {
        return new ApiException(413, message, param, 0);
    }

    static ApiException overloaded(String message, int retryAfterSeconds) {
        return new ApiException(429, message, null, Math.max(1, retryAfterSeconds));
    }

    static ApiException unavailable(String message) {
        return new ApiException(503, message, null, 0);
    }

    static ApiException internal(String message) {
        return new ApiException(500, message, null, 0);
    }

    ServeMetrics.Rejection rejection() {
        return switch (status) {
            case 413 -> ServeMetrics.Rejection.TOO_LARGE;
            case 429 -> ServeMetrics.Rejection.QUEUE_FULL;
            case 503 -> ServeMetrics.Rejection.SHUTTING_DOWN;
            case 401 -> ServeMetrics.Rejection.UNAUTHORIZED;
            case 408 -> ServeMetrics.Rejection.TIMEOUT;
            default -> ServeMetrics.Rejection.BAD_REQUEST;
        };
    }
}
