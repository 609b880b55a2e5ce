package dev.leap4j.exit;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RowGroupsTest {
    private final long seed = dev.leap4j.TestSeed.next();
    private final SplittableRandom rnd = new SplittableRandom(seed);

    @Test
    void groupsAreConsecutiveCoverEveryRowOnceAndHoldTheTokensTheyNeed() {
        for (int trial = 0; trial < 2000; trial++) {
            int threads = 1 + rnd.nextInt(4), rows = 1 + rnd.nextInt(80), min = 1 + rnd.nextInt(128);
            int[] lens = new int[rows];
            long total = 0;
            for (int r = 0; r < rows; r++) total += lens[r] = 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 512);
            int[] b = RowGroups.split(lens, threads, min);
            String what = "threads " + threads + ", rows " + rows + ", min " + min + " (seed " + seed + ")";
            if (b == null) continue;
            assertTrue(threads >= 2, what);
            int groups = b.length - 1;
            assertTrue(groups >= RowGroups.MIN_GROUPS_PER_THREAD * threads, what);
            assertEquals(0, b[0], what);
            assertEquals(rows, b[groups], what);
            long target = Math.max(min, (total + RowGroups.GROUPS_PER_THREAD * threads - 1) / (RowGroups.GROUPS_PER_THREAD * threads));
            for (int g = 0; g < groups; g++) {
                assertTrue(b[g] < b[g + 1], what);
                long tokens = 0;
                for (int r = b[g]; r < b[g + 1]; r++) tokens += lens[r];
                // every group but the last reaches the target, and would without its last row not have
                if (g < groups - 1) {
                    assertTrue(tokens >= target, what + ": group " + g + " has " + tokens + " tokens");
                    assertTrue(tokens - lens[b[g + 1] - 1] < target, what + ": group " + g + " is larger than it needs");
                }
            }
        }
    }

    @Test
    void oneThreadOrTooFewGroupsKeepsTheBatchWhole() {
        assertNull(RowGroups.split(new int[64], 1, 1));
        int[] short32 = new int[32];
        java.util.Arrays.fill(short32, 13);
        // 416 tokens make 7 groups of 64: fewer than 4 per thread on 2 threads
        assertNull(RowGroups.split(short32, 2, 64));
        int[] long32 = new int[32];
        java.util.Arrays.fill(long32, 57);
        // 1,824 tokens on 2 threads: a target of 114 tokens, two rows a group
        int[] b = RowGroups.split(long32, 2, 64);
        int[] expected = new int[17];
        for (int g = 0; g <= 16; g++) expected[g] = 2 * g;
        assertArrayEquals(expected, b);
    }
}
