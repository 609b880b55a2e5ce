package dev.leap4j.model;

import dev.leap4j.TestSeed;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Dropping rows from a packed batch, checked against rows packed again from scratch. */
class PackedBatchTest {
    @Test
    void retainKeepsTheSurvivorsStatesInOrderAndTheirOriginalIndices() {
        long seed = TestSeed.next();
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int round = 0; round < 200; round++) {
            int rows = 1 + rnd.nextInt(13), C = 1 + rnd.nextInt(7);
            int[] lens = rnd.ints(rows, 1, 10).toArray(), offsets = new int[rows];
            for (int r = 1; r < rows; r++) offsets[r] = offsets[r - 1] + lens[r - 1];
            int n = offsets[rows - 1] + lens[rows - 1];
            int[] rowLens = lens.clone(); // the batch drops rows in its own arrays
            PackedBatch b = new PackedBatch(new int[n], new int[n], offsets, lens);
            float[] x = new float[n * C];
            for (int i = 0; i < x.length; i++) x[i] = rnd.nextFloat();
            List<float[]> rowStates = new ArrayList<>();
            for (int r = 0; r < rows; r++) rowStates.add(java.util.Arrays.copyOfRange(x, offsets[r] * C, (offsets[r] + rowLens[r]) * C));
            List<Integer> alive = new ArrayList<>();
            for (int r = 0; r < rows; r++) alive.add(r);
            // drop in several rounds, as the exit rule does layer after layer
            while (b.rows() > 0) {
                boolean[] drop = new boolean[b.rows()];
                for (int s = 0; s < drop.length; s++) drop[s] = rnd.nextInt(3) == 0;
                List<Integer> next = new ArrayList<>();
                for (int s = 0; s < drop.length; s++) if (!drop[s]) next.add(alive.get(s));
                int left = b.retain(drop, x, C);
                alive = next;
                assertEquals(alive.size(), left, "seed " + seed);
                int tokens = 0;
                for (int s = 0; s < left; s++) {
                    int orig = alive.get(s);
                    assertEquals(orig, b.slot(s), "seed " + seed);
                    assertEquals(tokens, b.offsets()[s], "seed " + seed);
                    assertEquals(rowLens[orig], b.lens()[s], "seed " + seed);
                    assertArrayEquals(rowStates.get(orig), java.util.Arrays.copyOfRange(x, tokens * C, (tokens + rowLens[orig]) * C), "seed " + seed);
                    tokens += rowLens[orig];
                }
                if (left > 0) assertEquals(tokens, b.tokens(), "seed " + seed);
                if (rnd.nextInt(4) == 0) break;
            }
        }
    }

    @Test
    void rejectsArraysThatAreNotPacked() {
        assertThrows(IllegalArgumentException.class, () -> new PackedBatch(new int[0], new int[0], new int[0], new int[0]));
        assertThrows(IllegalArgumentException.class, () -> new PackedBatch(new int[4], new int[4], new int[]{0, 3}, new int[]{2, 2}));
        assertThrows(IllegalArgumentException.class, () -> new PackedBatch(new int[5], new int[5], new int[]{0, 2}, new int[]{2, 2}));
        assertThrows(IllegalArgumentException.class, () -> new PackedBatch(new int[2], new int[2], new int[]{0, 2}, new int[]{2, 0}));
    }
}
