package dev.leap4j.eval;

import dev.leap4j.exit.EarlyExitEncoder;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VectorSearchTest {
    @Test
    void topKMatchesFullSortIncludingTies() {
        Random rnd = new Random(21);
        for (int n : new int[] {1, 3, 7, 13, 33, 384, 1000}) {
            float[] s = new float[n];
            for (int i = 0; i < n; i++) s[i] = rnd.nextInt(20) / 4f; // many ties
            for (int k : new int[] {1, 3, 10, 100}) {
                int kk = Math.min(k, n);
                int[] want = IntStream.range(0, n).boxed()
                        .sorted(Comparator.<Integer>comparingDouble(i -> -s[i]).thenComparingInt(i -> i))
                        .limit(kk).mapToInt(Integer::intValue).toArray();
                assertArrayEquals(want, VectorSearch.topK(s, kk), "n=" + n + " k=" + k);
            }
        }
    }

    @Test
    void hnswFindsNearlyAllExactNeighboursOnSmallRandomCorpus() {
        Random rnd = new Random(22);
        float[][] docs = unit(rnd, 300, 24), queries = unit(rnd, 20, 24);
        int[][] exact = VectorSearch.exact(docs, queries, 10);
        int[][] approx;
        try (VectorSearch.Hnsw index = new VectorSearch.Hnsw(docs)) {
            approx = index.search(queries, 10);
        }
        double recall = 0;
        for (int q = 0; q < queries.length; q++) recall += Metrics.overlapAt(10, exact[q], approx[q]);
        recall /= queries.length;
        assertTrue(recall > 0.9, "HNSW recall@10 on 300 vectors " + recall);
        assertEquals(10, approx[0].length);
    }

    @Test
    void retrievalScoresFollowRankingOfConstructedEmbeddings() {
        // Query 0 points at d0 then d1; query 1 points at d2. Judgements: q0 -> d1 (rank 2), q1 -> d2 (rank 1).
        float[][] docs = {{1, 0, 0}, {0.8f, 0.6f, 0}, {0, 0, 1}};
        float[][] queries = {{1, 0.1f, 0}, {0, 0, 1}};
        for (float[] v : queries) EarlyExitEncoder.normalize(v);
        BeirData data = new BeirData(Path.of("mem"), "test", List.of("d0", "d1", "d2"), List.of("a", "b", "c"), List.of("q0", "q1"),
                List.of("x", "y"), Map.of("q0", Map.of("d1", 1), "q1", Map.of("d2", 1)), new BeirData.Skips(0, 0, 0));
        RetrievalEvaluation.SearchScores s = RetrievalEvaluation.score(docs, queries, data, RetrievalEvaluation.Search.BOTH);
        assertEquals((0.5 + 1.0) / 2, s.exact().mrr10(), 1e-12);
        assertEquals((1 / (Math.log(3) / Math.log(2)) + 1.0) / 2, s.exact().ndcg10(), 1e-9);
        assertEquals(1.0, s.exact().recall100(), 0.0);
        assertEquals(1.0, s.hnswRecallVsExact(), 0.0);
        assertEquals(s.exact(), s.hnsw());
    }

    private static float[][] unit(Random rnd, int n, int dim) {
        float[][] v = new float[n][dim];
        for (float[] row : v) {
            for (int i = 0; i < dim; i++) row[i] = (float) rnd.nextGaussian();
            EarlyExitEncoder.normalize(row);
        }
        return v;
    }

}
