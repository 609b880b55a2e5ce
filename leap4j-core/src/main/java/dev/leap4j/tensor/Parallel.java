package dev.leap4j.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The engine's one explicit thread pool: {@code threads - 1} workers plus the calling thread run a range split
 * into at most {@value #CHUNKS_PER_THREAD} x {@code threads} fixed, contiguous chunks. Chunk boundaries depend only
 * on the range and the thread count, never on timing, and every kernel computes each output element the same way
 * whichever chunk holds it, so results are deterministic. Which thread runs a chunk is dynamic: chunks are claimed
 * from a shared counter, so when a worker is slow to wake the others run its share.
 * <p>
 * On a machine shared with other work (a container with a CPU limit, a busy neighbour) the scheduler takes a core
 * from a worker at any moment, and a region then waits for the chunk that worker holds until it runs again. Two
 * things bound that wait: chunks several times smaller than a thread's share, so a descheduled worker holds little
 * and the others take the rest; and waits that yield the core after a short spin, so the descheduled worker can
 * finish its chunk on the waiting thread's core instead of queueing behind a spinning thread. Idle workers spin
 * briefly, yielding, before parking, because a forward pass dispatches dozens of sub-millisecond regions; once parked
 * they stay parked until the next region. One region runs at a time (callers are serialised).
 */
public final class Parallel implements AutoCloseable {
    /** A chunk of a parallel region: indices [start, end), run by worker {@code worker} in [0, threads). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int worker, int start, int end);
    }

    /** Chunks per thread: small enough shares that a descheduled worker holds up little of a region. */
    static final int CHUNKS_PER_THREAD = 4;
    /** Spins before a waiting thread starts yielding its core: about a microsecond, the cost of one yield. */
    private static final int SPIN_BEFORE_YIELD = 64;
    /** Yields before a waiting thread parks: well under a millisecond on a quiet machine. */
    private static final int YIELD_LIMIT = 1 << 10;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger generation = new AtomicInteger();
    // (generation << 32) | next chunk: a claim is valid only for the region it was made in
    private final AtomicLong claims = new AtomicLong();
    private final AtomicInteger pending = new AtomicInteger();
    /**
     * The current region's parameters, published as one object: a worker that reads them always gets the task,
     * size and chunk count of one region, and claims only under that region's generation. (Read field by field,
     * a worker woken for one region could read the next region's task and chunk count while the claims counter
     * still held the old region's: with more chunks in the new region it claimed one under the old generation,
     * ran it ahead of time and took a count off the new region's pending work, so the region could end with a
     * chunk unfinished or run twice.)
     */
    private volatile Region region;
    private volatile Throwable failure;

    private record Region(int gen, RangeTask task, int size, int parts) {}
    private volatile boolean closed;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int id = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("leap4j-worker-" + id).start(() -> workerLoop(id));
        }
    }

    public int threads() {
        return threads;
    }

    /**
     * Runs task over [0, n) split into at most {@value #CHUNKS_PER_THREAD} x {@link #threads()} contiguous chunks;
     * returns when all are done.
     */
    public void forRange(int n, RangeTask task) {
        forChunks(n, threads * CHUNKS_PER_THREAD, task);
    }

    /**
     * Runs task over [0, n) split into at most {@code parts} contiguous chunks, as even as integer division makes
     * them; returns when all are done. With {@code parts >= n} every chunk is one index: for regions whose items are
     * whole units of work of uneven size, claimed one at a time.
     */
    public synchronized void forChunks(int n, int parts, RangeTask task) {
        if (closed) throw new IllegalStateException("thread pool is closed");
        if (parts < 1) throw new IllegalArgumentException("parts must be >= 1, got " + parts);
        if (n <= 0) return;
        int p = Math.min(parts, n);
        if (threads == 1 || p == 1) {
            task.run(0, 0, n);
            return;
        }
        int gen = generation.get() + 1;
        this.failure = null;
        pending.set(p);
        // the claims counter moves to the new generation before the region is published, so a worker that sees
        // the new region never finds the old generation in the counter
        claims.set((long) gen << 32);
        Region r = new Region(gen, task, n, p);
        this.region = r;
        generation.set(gen);
        for (Thread w : workers) LockSupport.unpark(w);
        runClaims(0, r);
        // the chunks still pending are held by workers; one that the scheduler took off its core finishes sooner if
        // this thread gives up its own core than if it spins on it
        int waits = 0;
        while (pending.get() > 0) {
            if (++waits < SPIN_BEFORE_YIELD) Thread.onSpinWait();
            else if (waits < YIELD_LIMIT) Thread.yield();
            else LockSupport.parkNanos(20_000);
        }
        this.region = null;
        Throwable t = failure;
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error e) throw e;
        if (t != null) throw new IllegalStateException(t);
    }

    /** Claims and runs chunks of region r until none is left; worker is the index of the calling thread. */
    private void runClaims(int worker, Region r) {
        int n = r.size(), p = r.parts();
        while (true) {
            long v = claims.get();
            if ((int) (v >>> 32) != r.gen()) return;
            int chunk = (int) v;
            if (chunk >= p) return;
            if (!claims.compareAndSet(v, v + 1)) continue;
            try {
                int start = (int) ((long) n * chunk / p), end = (int) ((long) n * (chunk + 1) / p);
                if (start < end) r.task().run(worker, start, end);
            } catch (Throwable e) {
                failure = e;
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    private void workerLoop(int id) {
        int seen = 0;
        while (!closed) {
            int waits = 0;
            int g;
            while ((g = generation.get()) == seen && !closed) {
                // between regions an idle worker spins, then yields (a thread with work, ours or another process's,
                // gets the core), then parks until forRange or close unparks it: no timed wake-ups, so an idle pool
                // costs no CPU beside other work (an unpark that comes first makes park return at once)
                if (++waits < SPIN_BEFORE_YIELD) Thread.onSpinWait();
                else if (waits < YIELD_LIMIT) Thread.yield();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = g;
            // the region read here may already be a later one than generation g (or null between regions): its
            // own generation, not g, is what its claims are checked against
            Region r = region;
            if (r != null) runClaims(id, r);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
