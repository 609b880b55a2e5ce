package dev.leap4j.exit;

import dev.leap4j.api.ExitPolicy;

import java.util.ArrayList;
import java.util.List;

/**
 * The LEAP paper's three diagnostics over a set of inputs: per-layer agreement with the previous layer and with
 * the final layer, and the exit distribution per threshold. Agreement with the previous layer is what the exit
 * rule sees; agreement with the final layer is what quality depends on. A model can score high on the first and
 * low on the second (it "converges" to the wrong place), which is why both are reported.
 */
public final class LayerDiagnostics {
    private LayerDiagnostics() {}

    /** Per layer l (1-based, index l - 1): mean cosine to layer l - 1 (NaN for l = 1) and to the last layer. */
    public record LayerAgreement(int layer, double meanCosToPrevious, double meanCosToFinal) {}

    /** One threshold's outcome: share of inputs exiting at each layer, mean exit layer, layer reduction L / mean. */
    public record ThresholdOutcome(double theta, double[] exitShareByLayer, double meanExitLayer, double earlyExitRate,
                                   double layerReduction) {}

    public static List<LayerAgreement> agreement(float[][][] traces) {
        int L = traces[0].length, C = traces[0][0].length;
        List<LayerAgreement> out = new ArrayList<>();
        for (int l = 1; l <= L; l++) {
            double prev = 0, fin = 0;
            for (float[][] t : traces) {
                if (l > 1) prev += EarlyExitEncoder.cosine(t[l - 1], 0, t[l - 2], 0, C);
                fin += EarlyExitEncoder.cosine(t[l - 1], 0, t[L - 1], 0, C);
            }
            out.add(new LayerAgreement(l, l > 1 ? prev / traces.length : Double.NaN, fin / traces.length));
        }
        return out;
    }

    public static ThresholdOutcome outcome(float[][][] traces, ExitPolicy policy) {
        int L = traces[0].length;
        double[] share = new double[L];
        double sum = 0;
        int early = 0;
        for (float[][] t : traces) {
            int e = ExitReplay.exitLayer(t, policy);
            share[e - 1] += 1.0 / traces.length;
            sum += e;
            if (e < L) early++;
        }
        double mean = sum / traces.length;
        return new ThresholdOutcome(policy.theta(), share, mean, (double) early / traces.length, L / mean);
    }
}
