package dev.leap4j.exit;

import dev.leap4j.api.ExitPolicy;

/**
 * Replays the exit rule on recorded per-layer pooled states ({@link EarlyExitEncoder#trace}); gives the same
 * exit layer as a live run because it applies the same cosine to the same floats. Lets a threshold sweep run
 * the model once instead of once per threshold.
 */
public final class ExitReplay {
    private ExitReplay() {}

    /** 1-based exit layer of one input under policy, from layers[l - 1] = pooled state after layer l. */
    public static int exitLayer(float[][] layers, ExitPolicy policy) {
        policy.checkDepth(layers.length);
        int L = policy.lastLayer(layers.length);
        if (!policy.monitors()) return L;
        int streak = 0;
        int C = layers[0].length;
        for (int l = policy.firstExitLayer(); l < L; l++) {
            streak = policy.streak(streak, EarlyExitEncoder.cosine(layers[l - 1], 0, layers[l - 2], 0, C));
            if (policy.exits(streak)) return l;
        }
        return L;
    }

    /** The embedding a live run would return for this input: the exit layer's pooled state, normalised if asked. */
    public static float[] embedding(float[][] layers, int exitLayer, boolean normalize) {
        float[] v = layers[exitLayer - 1].clone();
        if (normalize) EarlyExitEncoder.normalize(v);
        return v;
    }
}
