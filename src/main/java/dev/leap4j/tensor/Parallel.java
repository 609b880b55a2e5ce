package dev.leap4j.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The engine's one explicit thread pool: {@code threads - 1} workers plus the calling thread split a range
 * into contiguous chunks. Workers spin briefly before parking because a forward pass dispatches dozens of
 * sub-millisecond regions; waking a parked thread for each would cost more than the work at batch 1.
 * One region runs at a time (callers are serialised).
 */
public final class Parallel implements AutoCloseable {
    /** A chunk of a parallel region: indices [start, end), run by worker {@code worker} in [0, threads). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int worker, int start, int end);
    }

    private static final int SPIN_LIMIT = 1 << 16;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger generation = new AtomicInteger();
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile RangeTask task;
    private volatile int size;
    private volatile Throwable failure;
    private volatile boolean closed;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int chunk = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("leap4j-worker-" + chunk).start(() -> workerLoop(chunk));
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs task over [0, n) split into at most {@link #threads()} contiguous chunks; returns when all are done. */
    public synchronized void forRange(int n, RangeTask task) {
        if (closed) throw new IllegalStateException("thread pool is closed");
        if (n <= 0) return;
        int parts = Math.min(threads, n);
        if (parts == 1) {
            task.run(0, 0, n);
            return;
        }
        this.task = task;
        this.size = n;
        this.failure = null;
        remaining.set(threads - 1);
        generation.incrementAndGet();
        for (Thread w : workers) LockSupport.unpark(w);
        try {
            runChunk(0, task, n);
        } finally {
            int spins = 0;
            while (remaining.get() > 0) {
                if (++spins < SPIN_LIMIT) Thread.onSpinWait();
                else LockSupport.parkNanos(10_000);
            }
            this.task = null;
        }
        Throwable t = failure;
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error e) throw e;
        if (t != null) throw new IllegalStateException(t);
    }

    private void runChunk(int chunk, RangeTask t, int n) {
        int start = (int) ((long) n * chunk / threads);
        int end = (int) ((long) n * (chunk + 1) / threads);
        if (start < end) t.run(chunk, start, end);
    }

    private void workerLoop(int chunk) {
        int seen = 0;
        while (!closed) {
            int spins = 0;
            int g;
            while ((g = generation.get()) == seen && !closed) {
                if (++spins < SPIN_LIMIT) Thread.onSpinWait();
                else LockSupport.parkNanos(1_000_000);
            }
            if (closed) return;
            seen = g;
            try {
                runChunk(chunk, task, size);
            } catch (Throwable t) {
                failure = t;
            } finally {
                remaining.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
