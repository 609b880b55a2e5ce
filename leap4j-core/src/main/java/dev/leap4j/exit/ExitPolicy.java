package dev.leap4j.exit;

/**
 * The LEAP exit rule: after layer l >= minLayer, an input exits when cos(pooled_l, pooled_{l-1}) >= theta for
 * {@code patience} consecutive layers; the last layer is the fallback. theta > 1 disables exits (full depth) and
 * skips the per-layer pooling entirely.
 */
public record ExitPolicy(double theta, int minLayer, int patience) {
    public static final double DEFAULT_THETA = 0.95;

    public ExitPolicy {
        if (Double.isNaN(theta) || theta <= 0) throw new IllegalArgumentException("theta must be in (0, 1] (or > 1 for full depth), got " + theta);
        if (minLayer < 1) throw new IllegalArgumentException("min layer must be >= 1, got " + minLayer);
        if (patience < 1) throw new IllegalArgumentException("patience must be >= 1, got " + patience);
    }

    /** theta 0.95, minLayer = half the depth (the paper's 6 of 12), patience 1. */
    public static ExitPolicy defaults(int numLayers) {
        return new ExitPolicy(DEFAULT_THETA, Math.max(1, numLayers / 2), 1);
    }

    /**
     * The default rule for a model of this depth with each value given in place of its default (null keeps it):
     * what every caller that takes optional theta, min layer and patience settings builds.
     */
    public static ExitPolicy defaults(int numLayers, Double theta, Integer minLayer, Integer patience) {
        ExitPolicy d = defaults(numLayers);
        return new ExitPolicy(theta == null ? d.theta : theta, minLayer == null ? d.minLayer : minLayer, patience == null ? d.patience : patience);
    }

    public static ExitPolicy fullDepth() {
        return new ExitPolicy(2.0, 1, 1);
    }

    public boolean monitors() {
        return theta <= 1.0;
    }

    /** The first layer an input may exit at: the rule compares a layer with the one before, so never layer 1. */
    public int firstExitLayer() {
        return Math.max(2, minLayer);
    }

    /**
     * The exit rule, the one place it is written (the live encoder and {@link ExitReplay} both call it): after an
     * eligible layer (>= {@link #firstExitLayer()}, not the last) with cos = cos(pooled_l, pooled_{l-1}), returns
     * the new count of consecutive agreeing layers; the input exits when it reaches patience ({@link #exits}).
     */
    public int streak(int previous, double cos) {
        return cos >= theta ? previous + 1 : 0;
    }

    public boolean exits(int streak) {
        return streak >= patience;
    }

    public ExitPolicy withTheta(double t) {
        return new ExitPolicy(t, minLayer, patience);
    }

    /** Rejects a policy that cannot apply to a model of this depth. */
    public void checkDepth(int numLayers) {
        if (minLayer > numLayers) throw new IllegalArgumentException("min layer " + minLayer + " exceeds the model's " + numLayers + " layers");
    }
}
