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
    private final int[] caps;       // the depths a cap may take, ascending: floor..numLayers
    private final long highNanos, lowNanos;
    private int at;                 // index into caps of the cap in force: the last = the ceiling (nothing shed)

    /** Caps at every depth from the floor to the model's depth. */
    public DepthController(Settings settings, int numLayers) {
        this(settings, numLayers, java.util.stream.IntStream.rangeClosed(1, numLayers).toArray());
    }

    /**
     * Caps only at the given depths (the model's own depth is always one): a model with depth paths sheds from rung
     * to rung ({@link dev.leap4j.exit.DepthPaths}), since its other depths run first layers it was not trained to
     * stop after.
     */
    public DepthController(Settings settings, int numLayers, int[] depths) {
        if (settings.floorDepth() > numLayers) {
            throw new UsageException("floor depth " + settings.floorDepth() + " is out of range: this model has layers 1.." + numLayers);
        }
        this.settings = settings;
        java.util.TreeSet<Integer> allowed = new java.util.TreeSet<>();
        for (int d : depths) if (d >= settings.floorDepth() && d <= numLayers) allowed.add(d);
        allowed.add(numLayers);
        this.caps = allowed.stream().mapToInt(Integer::intValue).toArray();
        this.highNanos = settings.target().toNanos();
        this.lowNanos = highNanos / 2;
        this.at = caps.length - 1;
    }

    public Settings settings() {
        return settings;
    }

    /** The cap now in force: the model's depth when nothing is shed. */
    public synchronized int cap() {
        return caps[at];
    }

    /**
     * One step of the controller for the next batch, from how long its oldest input has waited: above the target,
     * one step down the caps for each whole target waited; below half of it, one step up; unchanged between.
     * Returns the cap for that batch.
     */
    public synchronized int next(long oldestWaitNanos) {
        if (oldestWaitNanos > highNanos) {
            long steps = Math.max(1, oldestWaitNanos / highNanos);
            at = (int) Math.max(0, at - Math.min(steps, caps.length));
        } else if (oldestWaitNanos < lowNanos) {
            at = Math.min(caps.length - 1, at + 1);
        }
        return caps[at];
    }

    /**
     * The rule a request is served with under cap: its own, with the cap as its depth when that is fewer layers
     * than it would run anyway.
     */
    public static ExitPolicy apply(ExitPolicy requested, int cap, int numLayers) {
        return cap < requested.lastLayer(numLayers) ? requested.withDepth(cap) : requested;
    }
}
