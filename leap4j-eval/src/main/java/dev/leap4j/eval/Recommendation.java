package dev.leap4j.eval;

import dev.leap4j.api.UsageException;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.exit.ExitCalibration;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Picks the threshold to deploy: the lowest theta whose quality stays within a relative budget of the SAME
 * model at full depth and that actually saves layers. Agreement between consecutive layers (what the exit rule
 * watches) is deliberately not the criterion: a model can settle early on a representation far from its final
 * one, so its layers agree while the task score collapses; only the measured task score tells.
 */
public record Recommendation(Verdict verdict, String metric, double maxDrop, double fullQuality, Candidate chosen,
                             String message, List<String> warnings) {

    public enum Verdict { RECOMMENDED, NOT_VIABLE }

    /**
     * One threshold's measured outcome.
     *
     * @param speedup measured wall-clock speedup over full depth, NaN when not measured
     */
    public record Candidate(double theta, double quality, double meanExitLayer, double earlyExitRate, double speedup) {}

    /** A theta must cut at least this share of layers to count as saving: less is below timing noise and the cost of monitoring. */
    public static final double MIN_LAYER_SAVING = 0.05;

    /** A warning is raised when most inputs exit early but quality falls by more than this many times the budget. */
    private static final double COLLAPSE_FACTOR = 5;

    public double relativeDrop(Candidate c) {
        return relativeDrop(fullQuality, c.quality());
    }

    public static double relativeDrop(double full, double q) {
        return (full - q) / Math.abs(full);
    }

    public static Recommendation recommend(String metric, double fullQuality, List<Candidate> candidates, int numLayers, double maxDrop) {
        return recommend(metric, fullQuality, candidates, numLayers, maxDrop, null);
    }

    /**
     * As above, and with the fixed-cut curve (null: none): a warning when the chosen theta scores below a fixed cut
     * that runs no more layers, since then monitoring buys nothing that {@code --depth k} does not give cheaper.
     */
    public static Recommendation recommend(String metric, double fullQuality, List<Candidate> candidates, int numLayers, double maxDrop,
                                           FixedCuts cuts) {
        if (!(maxDrop >= 0 && maxDrop < 1)) throw new UsageException("max drop must be in [0, 1), got " + maxDrop);
        if (numLayers < 1) throw new IllegalArgumentException("a model needs at least one layer");
        if (!(Double.isFinite(fullQuality) && fullQuality != 0)) {
            throw new IllegalArgumentException("full-depth " + metric + " is " + fullQuality + "; a relative budget needs a finite, non-zero reference");
        }
        List<Candidate> sorted = new ArrayList<>(candidates);
        sorted.sort(Comparator.comparingDouble(Candidate::theta));
        Candidate chosen = null;
        for (Candidate c : sorted) {
            boolean saves = c.meanExitLayer() <= numLayers * (1 - MIN_LAYER_SAVING);
            if (saves && relativeDrop(fullQuality, c.quality()) <= maxDrop + 1e-12) {
                chosen = c;
                break;
            }
        }
        List<String> collapsed = new ArrayList<>();
        for (Candidate c : sorted) {
            double drop = relativeDrop(fullQuality, c.quality());
            if (c.earlyExitRate() >= 0.5 && drop > Math.max(COLLAPSE_FACTOR * maxDrop, 0.02)) {
                collapsed.add(String.format(Locale.ROOT, "theta %.2f: %.0f%% exit early, %.4f (%s)", c.theta(), 100 * c.earlyExitRate(), c.quality(),
                        signedPercent(-drop)));
            }
        }
        List<String> warnings = new ArrayList<>();
        if (!collapsed.isEmpty()) warnings.add(String.format(Locale.ROOT,
                "most inputs exit early yet %s collapses from %.4f at full depth (%s): the layers agree with their neighbours long before they "
                        + "agree with the final layer, so consecutive-layer agreement is no quality signal for this model",
                metric, fullQuality, String.join("; ", collapsed)));
        FixedCuts.Best cut = chosen == null || cuts == null ? null : cuts.bestWithin(chosen.meanExitLayer());
        if (cut != null && cut.quality() > chosen.quality()) {
            warnings.add(String.format(Locale.ROOT, "a fixed cut beats the recommended theta: every input stopped at layer %d (no more layers than its "
                    + "mean exit layer %.2f) scores %.4f against %.4f; --depth %d is the better dial", cut.layer(), chosen.meanExitLayer(),
                    cut.quality(), chosen.quality(), cut.layer()));
        }
        String budget = String.format(Locale.ROOT, "%.1f%%", 100 * maxDrop);
        String message;
        Verdict verdict;
        if (chosen != null) {
            verdict = Verdict.RECOMMENDED;
            message = String.format(Locale.ROOT, "use theta %.2f: %s %.4f vs %.4f at full depth (%s relative, budget %s), mean exit layer %.2f of %d (%.2fx fewer layers)%s",
                    chosen.theta(), metric, chosen.quality(), fullQuality, signedPercent(-relativeDrop(fullQuality, chosen.quality())), budget,
                    chosen.meanExitLayer(), numLayers, numLayers / chosen.meanExitLayer(),
                    Double.isNaN(chosen.speedup()) ? "" : String.format(Locale.ROOT, ", measured speedup %.2fx", chosen.speedup()));
        } else {
            verdict = Verdict.NOT_VIABLE;
            Candidate best = sorted.stream().filter(c -> c.meanExitLayer() <= numLayers * (1 - MIN_LAYER_SAVING))
                    .max(Comparator.comparingDouble(Candidate::quality)).orElse(null);
            message = "early exit not viable for this model: no threshold that saves at least " + Math.round(100 * MIN_LAYER_SAVING)
                    + "% of layers keeps " + metric + " within " + budget + " of full depth ("
                    + String.format(Locale.ROOT, "%.4f", fullQuality) + ")"
                    + (best == null ? "; no threshold saved layers at all (the layers never converge)"
                    : String.format(Locale.ROOT, "; the best that saves layers is theta %.2f with %.4f (%s)", best.theta(), best.quality(),
                    signedPercent(-relativeDrop(fullQuality, best.quality()))));
        }
        return new Recommendation(verdict, metric, maxDrop, fullQuality, chosen, message, List.copyOf(warnings));
    }

    /**
     * This verdict as a model folder's calibration entry: the recommended theta on base's min layer and patience,
     * or "not viable" (base kept only to record what was judged).
     */
    public ExitCalibration.Entry calibration(ExitCalibration.Task task, ExitPolicy base, String data) {
        boolean ok = verdict == Verdict.RECOMMENDED;
        return new ExitCalibration.Entry(task, ok ? ExitCalibration.Verdict.RECOMMENDED : ExitCalibration.Verdict.NOT_VIABLE,
                ok ? base.withTheta(chosen.theta()) : base, metric, fullQuality, ok ? chosen.quality() : Double.NaN, maxDrop,
                ok ? chosen.meanExitLayer() : Double.NaN, data, java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString());
    }

    private static String signedPercent(double x) {
        return String.format(Locale.ROOT, "%+.2f%%", 100 * x);
    }
}
