package dev.leap4j.tensor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelTest {
    private final long seed = dev.leap4j.TestSeed.next();
    private final SplittableRandom rnd = new SplittableRandom(seed);

    @Test
    void chunksCoverTheRangeExactlyOnceAcrossManyCalls() {
        for (int threads = 1; threads <= 3; threads++) {
            try (Parallel pool = new Parallel(threads)) {
                assertEquals(threads, pool.threads());
                for (int call = 0; call < 150; call++) {
                    int n = call < 10 ? call : 1 + rnd.nextInt(call % 3 == 0 ? 5 : 3000);
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
                    AtomicIntegerArray workerUse = new AtomicIntegerArray(threads);
                    int t = threads;
                    pool.forRange(n, (worker, start, end) -> {
                        assertTrue(worker >= 0 && worker < t, "worker index " + worker);
                        assertTrue(start < end, "empty chunk [" + start + "," + end + ")");
                        // a worker index owns per-worker scratch: two threads must never hold it at once
                        assertTrue(workerUse.compareAndSet(worker, 0, 1), "worker index " + worker + " used concurrently");
                        for (int i = start; i < end; i++) hits.incrementAndGet(i);
                        workerUse.set(worker, 0);
                    });
                    for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i + " of " + n + ", threads " + threads + " (seed " + seed + ")");
                }
            }
        }
    }

    /**
     * Regions of 2 chunks followed by regions of more, with more threads than the machine has cores, so workers are
     * preempted between seeing a region and claiming from it: each chunk of each region must run exactly once, and
     * before forRange returns. (A worker that read the next region's task and chunk count against the old claims
     * counter used to run a chunk of the next region ahead of time and end it early.)
     */
    @Test
    void aWorkerLateForOneRegionNeverRunsOrEndsTheNext() {
        for (int threads : new int[] {3, 4}) {
            try (Parallel pool = new Parallel(threads)) {
                for (int call = 0; call < 200_000; call++) {
                    int n = call % 2 == 0 ? 2 : threads + rnd.nextInt(3);
                    int work = rnd.nextInt(64);
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    pool.forRange(n, (worker, start, end) -> {
                        for (int i = start; i < end; i++) hits.incrementAndGet(i);
                        for (int k = 0; k < work; k++) Thread.onSpinWait(); // uneven chunks: some threads lag into the next region
                    });
                    for (int i = 0; i < n; i++) {
                        if (hits.get(i) != 1) {
                            org.junit.jupiter.api.Assertions.fail("call " + call + ", index " + i + " of " + n + " ran " + hits.get(i) + " times, threads " + threads + " (seed " + seed + ")");
                        }
                    }
                }
            }
        }
    }

    @Test
    void exceptionsPropagateFromWorkersAndCallerAndThePoolStaysUsable() {
        try (Parallel pool = new Parallel(3)) {
            for (int failing = 0; failing < 3; failing++) {
                int f = failing;
                IllegalStateException boom = new IllegalStateException("chunk " + f);
                IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> pool.forRange(30, (w, s, e) -> {
                    if (s == 10 * f) throw boom;
                }));
                assertSame(boom, thrown, "the task's own exception, from chunk " + f);
                AtomicIntegerArray hits = new AtomicIntegerArray(30);
                pool.forRange(30, (w, s, e) -> {
                    for (int i = s; i < e; i++) hits.incrementAndGet(i);
                });
                for (int i = 0; i < 30; i++) assertEquals(1, hits.get(i), "after a failure, index " + i);
            }
            AssertionError err = new AssertionError("an error");
            assertSame(err, assertThrows(AssertionError.class, () -> pool.forRange(9, (w, s, e) -> {
                if (s == 6) throw err;
            })));
        }
    }

    @Test
    void rejectsBadThreadCountsAndUseAfterClose() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Parallel(0));
        assertTrue(e.getMessage().contains("0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Parallel(-3));
        Parallel pool = new Parallel(2);
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.forRange(10, (w, s, e2) -> {}));
    }
}
