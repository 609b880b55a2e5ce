package dev.leap4j.eval;

import java.util.Arrays;

/**
 * The simple alternative every adaptive exit is judged against: every input stopped at the same depth k ({@code
 * --depth k}: the first k layers, or the model's k-layer path where it names one). An exit rule earns its monitoring
 * only where it scores at least as well as the best fixed cut that runs no more layers.
 *
 * @param quality quality[k - 1] is the task metric with every input run to depth k
 */
public record FixedCuts(double[] quality) {
    /** The best fixed cut within a layer budget. */
    public record Best(int layer, double quality) {}

    public FixedCuts {
        quality = quality.clone();
    }

    public int numLayers() {
        return quality.length;
    }

    public double at(int layer) {
        return quality[layer - 1];
    }

    /**
     * The best cut that runs no more layers than {@code meanLayers} (a cut at k costs k layers per input; an exit
     * rule costs its mean exit layer), or null when even layer 1 is more. Ties go to the shallower cut.
     */
    public Best bestWithin(double meanLayers) {
        Best best = null;
        for (int k = 1; k <= quality.length && k <= meanLayers + 1e-9; k++) {
            if (best == null || quality[k - 1] > best.quality()) best = new Best(k, quality[k - 1]);
        }
        return best;
    }

    @Override
    public String toString() {
        return "FixedCuts" + Arrays.toString(quality);
    }
}
