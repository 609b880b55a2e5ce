package dev.leap4j.api;

/**
 * The LEAP exit rule: after layer l >= minLayer, an input exits when cos(pooled_l, pooled_{l-1}) >= theta for
 * {@code patience} consecutive layers; the last layer run is the fallback. theta > 1 disables exits and skips the
 * per-layer pooling entirely. {@code depth} caps the run: no input goes past layer {@code depth} (0 = the model's
 * full depth), so {@code depth = K} with theta above 1 gives exactly the embeddings of the model's first K layers,
 * or of its K-layer path where the model names one ({@link dev.leap4j.exit.DepthPaths}).
 */
public record ExitPolicy(double theta, int minLayer, int patience, int depth) {
    /** The paper's threshold: what a run that asks for early exit without naming a theta uses. */
    public static final double PAPER_THETA = 0.95;
    /** A theta that never exits early. */
    public static final double NO_EXIT = 2.0;
    /** {@link #depth()} value for "the model's full depth". */
    public static final int FULL_DEPTH = 0;

    public ExitPolicy {
        if (Double.isNaN(theta) || theta <= 0) throw new UsageException("theta must be in (0, 1] (or > 1 for full depth), got " + theta);
        if (minLayer < 1) throw new UsageException("min layer must be >= 1, got " + minLayer);
        if (patience < 1) throw new UsageException("patience must be >= 1, got " + patience);
        if (depth < 0) throw new UsageException("depth must be >= 1 (or unset for full depth), got " + depth);
    }

    /** No depth cap. */
    public ExitPolicy(double theta, int minLayer, int patience) {
        this(theta, minLayer, patience, FULL_DEPTH);
    }

    /**
     * Full depth, with min layer half the depth (the paper's 6 of 12) and patience 1 ready for a caller that turns
     * exits on with {@link #withTheta(double)}: what a model without a positive exit calibration runs by default.
     */
    public static ExitPolicy uncalibrated(int numLayers) {
        return new ExitPolicy(NO_EXIT, Math.max(1, numLayers / 2), 1);
    }

    public static ExitPolicy fullDepth() {
        return new ExitPolicy(NO_EXIT, 1, 1);
    }

    /** This rule with each value given in place of its own (null keeps it). */
    public ExitPolicy with(Double theta, Integer minLayer, Integer patience, Integer depth) {
        return new ExitPolicy(theta == null ? this.theta : theta, minLayer == null ? this.minLayer : minLayer,
                patience == null ? this.patience : patience, depth == null ? this.depth : depth);
    }

    public boolean monitors() {
        return theta <= 1.0;
    }

    /** The first layer an input may exit at: the rule compares a layer with the one before, so never layer 1. */
    public int firstExitLayer() {
        return Math.max(2, minLayer);
    }

    /** The last layer any input runs on a model of this depth: the cap, else the model's own depth. */
    public int lastLayer(int numLayers) {
        return depth == FULL_DEPTH ? numLayers : Math.min(depth, numLayers);
    }

    /**
     * The exit rule, the one place it is written (the live encoder and {@link dev.leap4j.exit.ExitReplay} both call it): after an
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
        return new ExitPolicy(t, minLayer, patience, depth);
    }

    /** This rule capped at layer k (0 = no cap). */
    public ExitPolicy withDepth(int k) {
        return new ExitPolicy(theta, minLayer, patience, k);
    }

    /** Rejects a policy that cannot apply to a model of this depth. */
    public void checkDepth(int numLayers) {
        if (minLayer > numLayers) throw new UsageException("min layer " + minLayer + " exceeds the model's " + numLayers + " layers");
        if (depth > numLayers) throw new UsageException("depth " + depth + " is out of range: this model has layers 1.." + numLayers);
    }

    /** One line for logs and reports. */
    public String describe() {
        String cap = depth == FULL_DEPTH ? "" : ", depth " + depth;
        return monitors() ? String.format(java.util.Locale.ROOT, "theta %.2f, min layer %d, patience %d%s", theta, minLayer, patience, cap)
                : (depth == FULL_DEPTH ? "full depth (no early exit)" : "fixed depth " + depth + " (no early exit)");
    }
}
