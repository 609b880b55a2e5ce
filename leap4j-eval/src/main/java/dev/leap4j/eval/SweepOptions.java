package dev.leap4j.eval;

import dev.leap4j.api.UsageException;
import dev.leap4j.api.ExitPolicy;

import java.util.List;

/**
 * What a threshold sweep runs.
 *
 * @param base         min layer and patience shared by every theta
 * @param thetas       thresholds to evaluate, each in (0, 1]
 * @param batchSize    inputs per batch for the trace run
 * @param speedSample  texts timed at batch 1 (0 = no timing)
 * @param speedSampleBatch32 texts timed at batch 32
 * @param repeats      timed passes per configuration (median reported)
 * @param maxDrop      relative quality budget for the recommendation
 */
public record SweepOptions(ExitPolicy base, List<Double> thetas, int batchSize, int speedSample, int speedSampleBatch32, int repeats, double maxDrop) {
    public static final List<Double> DEFAULT_THETAS = List.of(0.80, 0.85, 0.90, 0.93, 0.95, 0.97, 0.98, 0.99);
    public static final int SPEED_BATCH = 32;

    public SweepOptions {
        if (thetas.isEmpty()) throw new UsageException("give at least one theta");
        for (double t : thetas) if (!(t > 0 && t <= 1)) throw new UsageException("theta must be in (0, 1], got " + t);
        thetas = thetas.stream().sorted().distinct().toList();
        if (batchSize < 1) throw new UsageException("batch size must be >= 1, got " + batchSize);
        if (speedSample < 0) throw new UsageException("speed sample must be >= 0, got " + speedSample);
        if (speedSample > 0 && speedSampleBatch32 < 1) throw new UsageException("batch-32 speed sample must be >= 1, got " + speedSampleBatch32);
        if (repeats < 1) throw new UsageException("repeats must be >= 1, got " + repeats);
        if (!(maxDrop >= 0 && maxDrop < 1)) throw new UsageException("max drop must be in [0, 1), got " + maxDrop);
    }

    public List<ExitPolicy> policies() {
        return thetas.stream().map(base::withTheta).toList();
    }
}
