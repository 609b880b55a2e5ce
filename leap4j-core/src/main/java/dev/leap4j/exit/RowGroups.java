package dev.leap4j.exit;

/**
 * How a batch is split across threads. Split inside each layer, every thread takes part of each matrix product and
 * attention, and each of a layer's eight or so regions ends by waiting for the slowest thread. On a machine shared
 * with other work the scheduler takes a core from one thread at any moment, for a time slice of milliseconds, and
 * each region then waits that long. A batch of enough rows is instead cut into groups of consecutive rows, which the
 * threads claim one at a time and each runs through the whole stack alone: the only wait is for the last group, and
 * the others take the groups a descheduled thread does not get to. Every kernel computes a row's values the same way
 * whatever rows share its run, so an embedding is the same bits either way.
 */
final class RowGroups {
    private RowGroups() {}

    /**
     * Tokens below which a group's matrix products read each weight too few times to keep up with a layer split
     * across threads: groups of 32 tokens made batches of 13-token rows 15% slower (docs/BENCHMARKS.md).
     */
    static final int MIN_GROUP_TOKENS = 64;
    /** Groups per thread when rows allow: enough that the last group claimed is a small part of the batch. */
    static final int GROUPS_PER_THREAD = 8;
    /** Fewer groups per thread than this leave a large last group to wait for: the batch is split inside layers. */
    static final int MIN_GROUPS_PER_THREAD = 4;

    /**
     * Group g is rows [bounds[g], bounds[g + 1]) of a batch with the given row lengths, each group at least
     * minGroupTokens tokens (or the batch's last rows); null where the batch stays one group, split inside layers.
     */
    static int[] split(int[] lens, int threads, int minGroupTokens) {
        if (threads < 2 || lens.length < MIN_GROUPS_PER_THREAD * threads) return null;
        long total = 0;
        for (int len : lens) total += len;
        long target = target(total, threads, minGroupTokens);
        int[] bounds = new int[lens.length + 1];
        int groups = 0;
        long tokens = 0;
        for (int r = 0; r < lens.length; r++) {
            tokens += lens[r];
            if (tokens >= target || r == lens.length - 1) {
                bounds[++groups] = r + 1;
                tokens = 0;
            }
        }
        return groups < MIN_GROUPS_PER_THREAD * threads ? null : java.util.Arrays.copyOf(bounds, groups + 1);
    }

    /**
     * The most tokens one group of {@link #split} holds for batches of at most maxBatchTokens tokens and rows of at
     * most maxLength: a group closes at the first row that brings it to the target, so it stays below the target
     * plus one row.
     */
    static long maxGroupTokens(long maxBatchTokens, int threads, int minGroupTokens, int maxLength) {
        return target(maxBatchTokens, threads, minGroupTokens) + maxLength - 1;
    }

    /** The tokens a group of a batch of this many tokens closes at: an eighth of a thread's share, or the minimum. */
    private static long target(long batchTokens, int threads, int minGroupTokens) {
        long groups = (long) GROUPS_PER_THREAD * threads;
        return Math.max(minGroupTokens, (batchTokens + groups - 1) / groups);
    }
}
