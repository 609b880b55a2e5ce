package dev.leap4j.serve;

import dev.leap4j.api.UsageException;
import dev.leap4j.api.ExitPolicy;

import java.time.Duration;

/**
 * Sheds depth, not requests: when inputs wait longer than the latency target, batches run fewer layers, down a
 * ladder of depth caps from the model's depth to the operator's floor (one layer for each whole target the oldest
 * input has waited, so a deep queue is answered at once rather than a layer per batch), and climb back one layer at
 * a time once waits fall under half the target (the gap between the two marks is the hysteresis that keeps the
 * setting from flapping). A cap only ever lowers what a request asked for, and never below the floor; a request
 * that asks for fewer layers than the floor keeps its own setting. Decisions are a pure function of the observed
 * waits, made on the scheduler thread before each batch, so the result of each input is exactly an offline run at
 * the setting it reports ({@code theta} as requested, {@code --depth} as served).
 */
public final class DepthController {
    /**
     * @param target     the queue wait the server aims to stay under
     * @param floorDepth the fewest layers any input is served with (the operator's quality floor, from an eval report)
     */
    public record Settings(Duration target, int floorDepth) {
        public Settings {
            if (target == null || target.isNegative() || target.isZero()) throw new UsageException("the latency target must be > 0");
            if (floorDepth < 1) throw new UsageException("the floor depth must be >= 1, got " + floorDepth);
        }
    }

    private final Settings settings;
    private final int numLayers;
    private final long highNanos, lowNanos;
    private int cap; // the current cap: numLayers = the ceiling (nothing shed), down to settings.floorDepth

    public DepthController(Settings settings, int numLayers) {
        if (settings.floorDepth() > numLayers) {
            throw new UsageException("floor depth " + settings.floorDepth() + " is out of range: this model has layers 1.." + numLayers);
        }
        this.settings = settings;
        this.numLayers = numLayers;
        this.highNanos = settings.target().toNanos();
        this.lowNanos = highNanos / 2;
        this.cap = numLayers;
    }

    public Settings settings() {
        return settings;
    }

    /** The cap now in force: the model's depth when nothing is shed. */
    public synchronized int cap() {
        return cap;
    }

    /**
     * One step of the controller for the next batch, from how long its oldest input has waited: above the target,
     * one layer fewer for each whole target waited; below half of it, one layer more; unchanged between. Returns the
     * cap for that batch.
     */
    public synchronized int next(long oldestWaitNanos) {
        if (oldestWaitNanos > highNanos) {
            long steps = Math.max(1, oldestWaitNanos / highNanos);
            cap = (int) Math.max(settings.floorDepth(), cap - Math.min(steps, numLayers));
        } else if (oldestWaitNanos < lowNanos) {
            cap = Math.min(numLayers, cap + 1);
        }
        return cap;
    }

    /**
     * The rule a request is served with under cap: its own, with the cap as its depth when that is fewer layers
     * than it would run anyway.
     */
    public static ExitPolicy apply(ExitPolicy requested, int cap, int numLayers) {
        return cap < requested.lastLayer(numLayers) ? requested.withDepth(cap) : requested;
    }
}
