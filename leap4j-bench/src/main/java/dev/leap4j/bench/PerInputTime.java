package dev.leap4j.bench;

import java.util.Arrays;

/**
 * The one definition of "time per input" behind every per-input figure in docs/BENCHMARKS.md, whether the inputs go
 * through the engine in this JVM (EngineBenchmark) or through a whole command in another process (LineClock): the
 * marginal time between two inputs of one run, (done[to] - done[from]) / (to - from), where done[i] is the moment
 * input i's result was seen. Start-up, model load and the warm-up before input {@code from} cancel out of it, and
 * because both moments come from one run, so does their spread between runs. (Subtracting the wall time of a short
 * run from a long one, as the scripts did before, leaves two processes' start-up noise in the difference: with
 * 1,200 inputs of 1-3 ms that noise was as large as the difference itself.) Over a run without stalls the marginal
 * time is the mean per-input time, which is at least the median of the per-call times: a table compares either
 * marginal with marginal or median with median.
 */
public final class PerInputTime {
    private PerInputTime() {
    }

    /** Milliseconds per input from input {@code from} to input {@code to}; doneNanos[i] is when input i was done. */
    public static double marginalMs(long[] doneNanos, int from, int to) {
        if (from < 0 || to >= doneNanos.length || to <= from)
            throw new IllegalArgumentException("need 0 <= from < to < " + doneNanos.length + ", got " + from + ".." + to);
        return (doneNanos[to] - doneNanos[from]) / 1e6 / (to - from);
    }

    /** The middle value (the mean of the two middle ones for an even count). */
    public static double median(double[] values) {
        if (values.length == 0) throw new IllegalArgumentException("median of nothing");
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** The nearest-rank 99th percentile: the smallest value with at least 99% of the values at or below it. */
    public static double p99(double[] values) {
        if (values.length == 0) throw new IllegalArgumentException("p99 of nothing");
        double[] s = values.clone();
        Arrays.sort(s);
        return s[(int) Math.ceil(0.99 * s.length) - 1];
    }

    /** (max - min) / median: the spread of repeats, as a fraction of their median. */
    public static double spread(double[] values) {
        double lo = Arrays.stream(values).min().orElseThrow(), hi = Arrays.stream(values).max().orElseThrow();
        return (hi - lo) / median(values);
    }
}
