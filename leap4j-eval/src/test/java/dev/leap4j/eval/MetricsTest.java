package dev.leap4j.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest {
    @Test
    void averageRanksShareTies() {
        assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, Metrics.averageRanks(new double[] {1, 2, 2, 3}));
        assertArrayEquals(new double[] {3, 1, 3, 3}, Metrics.averageRanks(new double[] {5, -1, 5, 5}));
    }

    @Test
    void spearmanWithTiesMatchesHandComputedValue() {
        // ranks x = 1, 2.5, 2.5, 4; y = 1, 3, 2, 4 -> r = 4.5 / sqrt(4.5 * 5) = sqrt(0.9)
        assertEquals(0.9486832980505138, Metrics.spearman(new double[] {1, 2, 2, 3}, new double[] {1, 3, 2, 4}), 1e-12);
    }

    @Test
    void pearsonMatchesHandComputedValue() {
        // dx = -2..2, dy = -2, 0, 1, 0, 1 -> 6 / sqrt(10 * 6)
        assertEquals(0.7745966692414834, Metrics.pearson(new double[] {1, 2, 3, 4, 5}, new double[] {2, 4, 5, 4, 5}), 1e-12);
    }

    @Test
    void spearmanWithoutTiesEqualsClassicFormulaAndIgnoresMonotoneTransforms() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 20; trial++) {
            int n = 3 + rnd.nextInt(60);
            double[] x = new double[n], y = new double[n], z = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = rnd.nextGaussian();
                y[i] = x[i] + rnd.nextGaussian();
                z[i] = Math.exp(3 * y[i]);
            }
            double[] rx = Metrics.averageRanks(x), ry = Metrics.averageRanks(y);
            double d2 = 0;
            for (int i = 0; i < n; i++) d2 += (rx[i] - ry[i]) * (rx[i] - ry[i]);
            double classic = 1 - 6 * d2 / (n * ((double) n * n - 1));
            assertEquals(classic, Metrics.spearman(x, y), 1e-9);
            assertEquals(Metrics.spearman(x, y), Metrics.spearman(x, z), 1e-12);
        }
    }

    @Test
    void correlationRejectsMismatchedOrTooFewPairs() {
        assertThrows(IllegalArgumentException.class, () -> Metrics.spearman(new double[] {1, 2}, new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> Metrics.pearson(new double[] {1}, new double[] {1}));
        assertTrue(Double.isNaN(Metrics.pearson(new double[] {1, 1, 1}, new double[] {1, 2, 3})), "constant input has no correlation");
    }

    private static final List<String> RANKING = List.of("d1", "d2", "d3", "d4");
    private static final Map<String, Integer> QRELS = Map.of("d2", 1, "d4", 2, "d9", 1, "d1", 0);

    @Test
    void ndcgMatchesHandComputedValue() {
        // DCG = 1/log2(3) + 2/log2(5); ideal = 2 + 1/log2(3) + 1/log2(4) (d9 is relevant but not retrieved)
        assertEquals(0.47662611018851303, Metrics.ndcgAt(10, RANKING, QRELS), 1e-12);
        // @2: DCG = 1/log2(3); ideal = 2 + 1/log2(3)
        assertEquals(0.23981246656813146, Metrics.ndcgAt(2, RANKING, QRELS), 1e-12);
        assertEquals(1.0, Metrics.ndcgAt(10, List.of("d4", "d2", "d9"), QRELS), 1e-12);
        assertEquals(0.0, Metrics.ndcgAt(1, RANKING, QRELS), 0.0);
    }

    @Test
    void recallCountsEveryRelevantDocumentIncludingUnretrieved() {
        assertEquals(2.0 / 3, Metrics.recallAt(100, RANKING, QRELS), 1e-12);
        assertEquals(1.0 / 3, Metrics.recallAt(2, RANKING, QRELS), 1e-12);
        assertEquals(0.0, Metrics.recallAt(1, RANKING, QRELS), 0.0);
    }

    @Test
    void mrrIsReciprocalRankOfFirstRelevantWithinCutoff() {
        assertEquals(0.5, Metrics.mrrAt(10, RANKING, QRELS), 0.0);
        assertEquals(0.0, Metrics.mrrAt(1, RANKING, QRELS), 0.0);
        assertEquals(0.25, Metrics.mrrAt(10, List.of("d1", "x", "y", "d4"), QRELS), 0.0);
        assertThrows(IllegalArgumentException.class, () -> Metrics.mrrAt(0, RANKING, QRELS));
    }

    @Test
    void overlapIsShareOfReferenceTopKFound() {
        assertEquals(0.5, Metrics.overlapAt(4, new int[] {1, 2, 3, 4}, new int[] {4, 9, 1, 8}), 0.0);
        assertEquals(1.0, Metrics.overlapAt(2, new int[] {1, 2, 3}, new int[] {2, 1}), 0.0);
    }
}
