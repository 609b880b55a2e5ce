package dev.leap4j.serve;

import io.javalin.http.Context;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads request bodies so that a slow client costs only its own connection. Nothing scarce is held while a
 * handler waits on the network: memory is charged per byte that has actually arrived, against a budget shared
 * by all bodies in flight (a client that declares 8 MB and sends one byte holds one byte), and a watchdog
 * closes the connection of a body that has not fully arrived within the body timeout. A declared length over
 * the limit is refused before any of the body is read.
 */
final class BodyReader implements AutoCloseable {
    private static final int CHUNK = 16 << 10;
    private static final long QUIET_NANOS = 200_000_000L;

    private final int maxBodyBytes;
    private final long budgetBytes;
    private final Duration timeout;
    private final AtomicLong buffered = new AtomicLong();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "leap4j-body-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** A body held in memory; {@link #close()} returns its bytes to the shared budget. */
    final class Body implements AutoCloseable {
        final byte[] bytes;
        private boolean released;

        private Body(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public void close() {
            if (!released) buffered.addAndGet(-bytes.length);
            released = true;
        }
    }

    BodyReader(int maxBodyBytes, long budgetBytes, Duration timeout) {
        this.maxBodyBytes = maxBodyBytes;
        this.budgetBytes = budgetBytes;
        this.timeout = timeout;
    }

    /** The shared budget: bytes of bodies that may be in memory at once. */
    long budgetBytes() {
        return budgetBytes;
    }

    /** Bytes of bodies being read or parsed right now (for tests and metrics). */
    long buffered() {
        return buffered.get();
    }

    Body read(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBodyBytes) {
            // answered from the headers alone: waiting for a lying client's body would hold this handler until
            // the body timeout. What has already arrived is read and dropped, so that closing the connection does
            // not reset it under a client that is still sending (it would lose the 413)
            ctx.header("Connection", "close");
            drainArrived(ctx, 4L * maxBodyBytes);
            throw ApiException.tooLarge(null, "the request body has " + declared + " bytes; the limit is " + maxBodyBytes);
        }
        EndPoint endPoint = endPoint(ctx);
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> deadline = endPoint == null ? null : watchdog.schedule(() -> {
            expired.set(true);
            endPoint.close();
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        long charged = 0;
        boolean kept = false;
        try (InputStream in = ctx.req().getInputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 256), CHUNK));
            byte[] chunk = new byte[CHUNK];
            for (int n; (n = in.read(chunk)) >= 0; ) {
                if (out.size() + n > maxBodyBytes) {
                    ctx.header("Connection", "close");
                    drainArrived(ctx, 3L * maxBodyBytes);
                    throw ApiException.tooLarge(null, "the request body exceeds the limit of " + maxBodyBytes + " bytes");
                }
                if (buffered.addAndGet(n) > budgetBytes) {
                    buffered.addAndGet(-n);
                    throw ApiException.overloaded("too many request bodies are in flight; retry shortly", 1);
                }
                charged += n;
                out.write(chunk, 0, n);
            }
            kept = true;
            return new Body(out.toByteArray());
        } catch (IOException | RuntimeException e) {
            // ApiExceptions from the loop pass through; Jetty reports a malformed body or one below the minimum
            // data rate (408) with an unchecked HttpException, a broken connection with an IOException
            if (e instanceof RuntimeException r && !(e instanceof org.eclipse.jetty.http.HttpException)) throw r;
            if (expired.get()) throw ApiException.timeout("the request body did not arrive within " + timeout.toSeconds() + " s");
            if (isTimeout(e)) throw ApiException.timeout("the request body arrived too slowly");
            throw ApiException.badRequest(null, "could not read the request body: " + RequestReader.clip(String.valueOf(e.getMessage())));
        } finally {
            if (deadline != null) deadline.cancel(false);
            if (!kept) buffered.addAndGet(-charged);
        }
    }

    /**
     * Reads and drops body bytes that arrive without waiting on the client: stops at the cap, at the end of the
     * body, or once nothing new has come for a moment (a client that stalls is not waited for).
     */
    private static void drainArrived(Context ctx, long cap) {
        try {
            jakarta.servlet.ServletInputStream in = ctx.req().getInputStream();
            byte[] sink = new byte[CHUNK];
            long read = 0, quietSince = System.nanoTime();
            while (read < cap) {
                int available = in.available();
                if (available > 0) {
                    int n = in.read(sink, 0, (int) Math.min(Math.min(available, sink.length), cap - read));
                    if (n < 0) return;
                    read += n;
                    quietSince = System.nanoTime();
                } else if (in.isFinished() || System.nanoTime() - quietSince > QUIET_NANOS) {
                    return;
                } else {
                    java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the answer is a 413 whatever happens to the rest of the body
        }
    }

    /** Whether Jetty reported a body below the minimum data rate: an HTTP 408 failure, thrown or wrapped. */
    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.eclipse.jetty.http.HttpException h && h.getCode() == 408) return true;
            if (t instanceof java.util.concurrent.TimeoutException) return true;
        }
        return false;
    }

    private static EndPoint endPoint(Context ctx) {
        ServletContextRequest r = ServletContextRequest.getServletContextRequest(ctx.req());
        if (r == null || r.getConnectionMetaData() == null || r.getConnectionMetaData().getConnection() == null) return null;
        return r.getConnectionMetaData().getConnection().getEndPoint();
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }
}
