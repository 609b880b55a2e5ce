package dev.leap4j.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FixedCutsTest {
    static final FixedCuts CUTS = new FixedCuts(new double[] {0.30, 0.55, 0.70, 0.69, 0.78, 0.80});

    @Test
    void theBestCutRunsNoMoreLayersThanTheBudget() {
        assertNull(CUTS.bestWithin(0.99), "no cut is cheaper than one layer");
        assertEquals(new FixedCuts.Best(1, 0.30), CUTS.bestWithin(1.0));
        assertEquals(new FixedCuts.Best(3, 0.70), CUTS.bestWithin(4.9), "layer 4 is worse than layer 3, and 5 costs more than 4.9");
        assertEquals(new FixedCuts.Best(5, 0.78), CUTS.bestWithin(5.0));
        assertEquals(new FixedCuts.Best(6, 0.80), CUTS.bestWithin(12));
        assertEquals(new FixedCuts.Best(1, 0.5), new FixedCuts(new double[] {0.5, 0.5}).bestWithin(2), "a tie goes to the shallower cut");
    }

    @Test
    void aRecommendationBeatenByACheaperCutSaysSo() {
        // theta 0.9: mean 5.2 layers at 0.75, inside a 10% budget of 0.80, but layer 5 alone gives 0.78
        var cs = List.of(new Recommendation.Candidate(0.9, 0.75, 5.2, 0.8, Double.NaN));
        Recommendation r = Recommendation.recommend("Spearman", 0.80, cs, 6, 0.1, CUTS);
        assertEquals(Recommendation.Verdict.RECOMMENDED, r.verdict());
        assertTrue(r.warnings().stream().anyMatch(w -> w.contains("--depth 5") && w.contains("0.7800")), r.warnings().toString());
        Recommendation fine = Recommendation.recommend("Spearman", 0.80, List.of(new Recommendation.Candidate(0.9, 0.79, 5.2, 0.8, Double.NaN)), 6, 0.1, CUTS);
        assertTrue(fine.warnings().isEmpty(), fine.warnings().toString());
    }
}
