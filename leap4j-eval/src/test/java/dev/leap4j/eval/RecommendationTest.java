package dev.leap4j.eval;

import dev.leap4j.api.ExitPolicy;
import dev.leap4j.eval.Recommendation.Candidate;
import dev.leap4j.eval.Recommendation.Verdict;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The threshold recommendation and the "early exit not viable" verdict, on traces built so that the answer is
 * known: a model whose layers settle on the final representation, one whose layers never agree, and one whose
 * layers agree early on the wrong representation.
 */
class RecommendationTest {
    private static final int L = 8, C = 64, PAIRS = 60;

    @Test
    void picksLowestThetaWithinBudgetThatSavesLayers() {
        List<Candidate> cs = List.of(
                new Candidate(0.80, 0.70, 3.0, 1.0, Double.NaN),   // too lossy
                new Candidate(0.90, 0.792, 5.0, 0.8, 1.4),         // exactly 1% below 0.80
                new Candidate(0.95, 0.80, 6.0, 0.5, 1.2),
                new Candidate(0.99, 0.80, 7.9, 0.01, 1.0));        // saves too little to count
        Recommendation r = Recommendation.recommend("Spearman", 0.80, cs, L, 0.01);
        assertEquals(Verdict.RECOMMENDED, r.verdict());
        assertEquals(0.90, r.chosen().theta());
        assertTrue(r.message().contains("theta 0.90") && r.message().contains("1.40x"), r.message());

        Recommendation strict = Recommendation.recommend("Spearman", 0.80, cs, L, 0.005);
        assertEquals(0.95, strict.chosen().theta());
    }

    @Test
    void notViableWhenNoSavingThetaMeetsBudget() {
        List<Candidate> cs = List.of(new Candidate(0.90, 0.60, 4.0, 0.9, 1.8), new Candidate(0.99, 0.80, 8.0, 0.0, 1.0));
        Recommendation r = Recommendation.recommend("nDCG@10", 0.80, cs, L, 0.01);
        assertEquals(Verdict.NOT_VIABLE, r.verdict());
        assertNull(r.chosen());
        assertTrue(r.message().startsWith("early exit not viable for this model"), r.message());
        assertFalse(r.warnings().isEmpty(), "90% exiting early with a 25% drop is the monitoring failure mode");
    }

    @Test
    void rejectsBadBudgetsAndReferences() {
        List<Candidate> cs = List.of(new Candidate(0.9, 0.5, 4, 0.5, 1));
        assertThrows(IllegalArgumentException.class, () -> Recommendation.recommend("m", 0.8, cs, L, -0.1));
        assertThrows(IllegalArgumentException.class, () -> Recommendation.recommend("m", 0.8, cs, L, 1.0));
        assertThrows(IllegalArgumentException.class, () -> Recommendation.recommend("m", Double.NaN, cs, L, 0.01));
    }

    @Test
    void convergingModelGetsTheLowestThetaWithFullDepthQuality() {
        Random rnd = new Random(11);
        Built b = build(rnd, Kind.CONVERGES);
        StsEvaluation.Result r = sweep(b);
        assertEquals(Verdict.RECOMMENDED, r.recommendation().verdict(), r.recommendation().message());
        assertEquals(0.80, r.recommendation().chosen().theta());
        // layers 5.. equal the final layer, so every input exits at 5 and scores exactly as at full depth
        for (var row : r.thetas()) {
            assertEquals(5.0, row.outcome().meanExitLayer(), 1e-12);
            assertEquals(r.fullSpearman(), row.spearman(), 1e-9);
        }
        assertTrue(r.fullSpearman() > 0.8, "constructed similarities follow the gold scores: " + r.fullSpearman());
        assertTrue(r.recommendation().warnings().isEmpty());
    }

    @Test
    void nonConvergingModelIsNotViable() {
        Built b = build(new Random(12), Kind.NEVER_CONVERGES);
        StsEvaluation.Result r = sweep(b);
        assertEquals(Verdict.NOT_VIABLE, r.recommendation().verdict());
        assertTrue(r.recommendation().message().contains("early exit not viable for this model"), r.recommendation().message());
        assertTrue(r.recommendation().message().contains("never converge"), r.recommendation().message());
        for (var row : r.thetas()) assertEquals(L, row.outcome().meanExitLayer(), 1e-12);
    }

    @Test
    void modelConvergingToTheWrongPlaceIsNotViableAndWarned() {
        Built b = build(new Random(13), Kind.CONVERGES_WRONG);
        StsEvaluation.Result r = sweep(b);
        assertEquals(Verdict.NOT_VIABLE, r.recommendation().verdict(), r.recommendation().message());
        for (var row : r.thetas()) {
            assertEquals(1.0, row.outcome().earlyExitRate(), 1e-12);
            assertTrue(row.spearman() < r.fullSpearman() - 0.3, "early layers carry no similarity signal: " + row.spearman());
        }
        assertEquals(1, r.recommendation().warnings().size());
        String w = r.recommendation().warnings().get(0);
        assertTrue(w.contains("no quality signal") && w.contains("theta 0.80") && w.contains("theta 0.99"), w);
    }

    private enum Kind { CONVERGES, NEVER_CONVERGES, CONVERGES_WRONG }

    private record Built(float[][][] layers, double[] gold) {}

    private static StsEvaluation.Result sweep(Built b) {
        SweepOptions o = new SweepOptions(new ExitPolicy(0.95, L / 2, 1), SweepOptions.DEFAULT_THETAS, 32, 0, 0, 1, 0.01);
        return StsEvaluation.sweep(Path.of("constructed"), new Tracing(b.layers(), 0, 0), b.gold(), o, null, null);
    }

    /** Pairs whose final-layer cosine tracks a gold score; earlier layers built per kind. */
    private static Built build(Random rnd, Kind kind) {
        double[] gold = new double[PAIRS];
        float[][] fin = new float[2 * PAIRS][];
        for (int i = 0; i < PAIRS; i++) {
            gold[i] = 5 * rnd.nextDouble();
            float[] u = gaussian(rnd), v = gaussian(rnd);
            float a = (float) (gold[i] / 5);
            float[] w = new float[C];
            for (int c = 0; c < C; c++) w[c] = a * u[c] + (1 - a) * v[c] + 0.05f * (float) rnd.nextGaussian();
            fin[i] = u;
            fin[PAIRS + i] = w;
        }
        float[][][] layers = new float[2 * PAIRS][L][];
        for (int s = 0; s < 2 * PAIRS; s++) {
            float[] wrong = gaussian(rnd);
            for (int l = 1; l <= L; l++) {
                float[] state = switch (kind) {
                    case CONVERGES -> l >= 4 ? fin[s].clone() : gaussian(rnd);
                    case NEVER_CONVERGES -> l == L ? fin[s].clone() : gaussian(rnd);
                    case CONVERGES_WRONG -> l == L ? fin[s].clone() : wrong.clone();
                };
                layers[s][l - 1] = state;
            }
        }
        return new Built(layers, gold);
    }

    private static float[] gaussian(Random rnd) {
        float[] v = new float[C];
        for (int c = 0; c < C; c++) v[c] = (float) rnd.nextGaussian();
        return v;
    }
}
