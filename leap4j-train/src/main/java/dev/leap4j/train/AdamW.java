package dev.leap4j.train;

import java.util.List;

/**
 * AdamW (decoupled weight decay, bias-corrected moments) with linear warmup, then linear decay that reaches
 * lr/(total-warmup) at the last step (zero would come one step after it), and
 * global-norm gradient clipping. Element updates are independent and in a fixed order: bit-reproducible.
 */
public final class AdamW {
    /** A trainable array, its gradient, and whether weight decay applies (not to biases and LayerNorm). */
    public record Slot(String name, float[] param, float[] grad, boolean decay) {}

    private final List<Slot> slots;
    private final float[][] m, v;
    private final double lr, beta1, beta2, eps, weightDecay;
    private final long warmupSteps, totalSteps;

    public AdamW(List<Slot> slots, double lr, double weightDecay, long warmupSteps, long totalSteps) {
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        if (totalSteps < 1) throw new IllegalArgumentException("total steps must be >= 1, got " + totalSteps);
        if (warmupSteps < 0 || warmupSteps > totalSteps) throw new IllegalArgumentException("warmup steps must be in [0, " + totalSteps + "], got " + warmupSteps);
        this.slots = List.copyOf(slots);
        this.lr = lr;
        this.beta1 = 0.9;
        this.beta2 = 0.999;
        this.eps = 1e-8;
        this.weightDecay = weightDecay;
        this.warmupSteps = warmupSteps;
        this.totalSteps = totalSteps;
        m = new float[slots.size()][];
        v = new float[slots.size()][];
        for (int i = 0; i < slots.size(); i++) {
            m[i] = new float[slots.get(i).param().length];
            v[i] = new float[slots.get(i).param().length];
        }
    }

    public List<Slot> slots() {
        return slots;
    }

    public float[][] firstMoments() {
        return m;
    }

    public float[][] secondMoments() {
        return v;
    }

    /** Learning rate of 1-based step t: t/warmup during warmup, then linear decay reaching lr/(T-warmup) at T. */
    public double learningRate(long t) {
        if (t <= warmupSteps) return lr * t / warmupSteps;
        return lr * (double) (totalSteps - t + 1) / (totalSteps - warmupSteps);
    }

    /** Global L2 norm of all gradients, in double, in slot order. */
    public double gradientNorm() {
        double ss = 0;
        for (Slot s : slots) for (float g : s.grad()) ss += (double) g * g;
        return Math.sqrt(ss);
    }

    /** One update at 1-based step t; gradients are scaled by clipScale (global-norm clipping) first. */
    public void step(long t, double clipScale) {
        double rate = learningRate(t);
        double bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
        float b1 = (float) beta1, b2 = (float) beta2, c1 = (float) (1 - beta1), c2 = (float) (1 - beta2);
        float stepSize = (float) (rate / bc1), invBc2 = (float) (1 / bc2), fe = (float) eps, scale = (float) clipScale;
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            float[] p = s.param(), g = s.grad(), mi = m[i], vi = v[i];
            float decay = s.decay() ? (float) (1 - rate * weightDecay) : 1f;
            for (int k = 0; k < p.length; k++) {
                float gk = g[k] * scale;
                mi[k] = b1 * mi[k] + c1 * gk;
                vi[k] = b2 * vi[k] + c2 * gk * gk;
                float denom = (float) Math.sqrt(vi[k] * invBc2) + fe;
                p[k] = p[k] * decay - stepSize * mi[k] / denom;
            }
        }
    }
}
