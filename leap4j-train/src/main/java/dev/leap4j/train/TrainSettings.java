package dev.leap4j.train;

import dev.leap4j.api.UsageException;
import dev.leap4j.model.Pooling;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Everything that determines a training run's result (thread count does not: the kernels are bit-identical
 * across thread counts). {@link #fingerprint()} guards a resume against changed settings.
 *
 * @param maxSteps       0: run {@code epochs} full passes; otherwise stop after this many steps
 * @param warmupFraction share of the steps spent warming the learning rate up linearly
 * @param checkpointEvery steps between checkpoints (the last step always writes one)
 * @param lossPooling    how the loss pools student and teacher states: MEAN is the LEAP definition; CLS suits a
 *                       model that exits on its CLS state (bge)
 * @param paths          empty: every step runs the whole stack; otherwise every step runs each of these skip paths
 *                       (1-based layers, ascending) as a model of its own and adds their gradients, so one set of
 *                       weights serves each path (a ladder of depths over shared layers, as Starbucks trains sub-depths)
 * @param pathWeights    one weight per path (empty: all 1), scaling that path's loss and so its share of the summed
 *                       gradient: more weight on a short path trades some of the long paths' fit for the short one's
 */
public record TrainSettings(Objective objective, LossSettings loss, int batchSize, int maxLength, int epochs, long maxSteps,
                            double lr, double warmupFraction, double weightDecay, double clipNorm, long seed,
                            int checkpointEvery, boolean trainWordEmbeddings, Pooling lossPooling, List<int[]> paths, List<Double> pathWeights) {
    /** Every path weighs 1. */
    public TrainSettings(Objective objective, LossSettings loss, int batchSize, int maxLength, int epochs, long maxSteps,
                         double lr, double warmupFraction, double weightDecay, double clipNorm, long seed,
                         int checkpointEvery, boolean trainWordEmbeddings, Pooling lossPooling, List<int[]> paths) {
        this(objective, loss, batchSize, maxLength, epochs, maxSteps, lr, warmupFraction, weightDecay, clipNorm, seed, checkpointEvery,
                trainWordEmbeddings, lossPooling, paths, List.of());
    }

    /** Every step runs the whole stack. */
    public TrainSettings(Objective objective, LossSettings loss, int batchSize, int maxLength, int epochs, long maxSteps,
                         double lr, double warmupFraction, double weightDecay, double clipNorm, long seed,
                         int checkpointEvery, boolean trainWordEmbeddings, Pooling lossPooling) {
        this(objective, loss, batchSize, maxLength, epochs, maxSteps, lr, warmupFraction, weightDecay, clipNorm, seed, checkpointEvery,
                trainWordEmbeddings, lossPooling, List.of());
    }

    /** With the LEAP definition's masked-mean pooling. */
    public TrainSettings(Objective objective, LossSettings loss, int batchSize, int maxLength, int epochs, long maxSteps,
                         double lr, double warmupFraction, double weightDecay, double clipNorm, long seed,
                         int checkpointEvery, boolean trainWordEmbeddings) {
        this(objective, loss, batchSize, maxLength, epochs, maxSteps, lr, warmupFraction, weightDecay, clipNorm, seed, checkpointEvery,
                trainWordEmbeddings, Pooling.MEAN);
    }

    public TrainSettings {
        if (lossPooling == null) throw new UsageException("loss pooling is required");
        if (objective == null) throw new UsageException("objective is required");
        if (objective == Objective.DISTILL && loss.wExit() != 0) {
            throw new UsageException("standard distillation has no exit term: use w_exit 0 (got " + loss.wExit() + ")");
        }
        if (batchSize < 1) throw new UsageException("batch size must be >= 1, got " + batchSize);
        if (maxLength < 2) throw new UsageException("max length must be >= 2, got " + maxLength);
        if (epochs < 1) throw new UsageException("epochs must be >= 1, got " + epochs);
        if (maxSteps < 0) throw new UsageException("max steps must be >= 0, got " + maxSteps);
        if (!(lr > 0) || Double.isInfinite(lr)) throw new UsageException("learning rate must be > 0, got " + lr);
        if (!(warmupFraction >= 0 && warmupFraction <= 1)) throw new UsageException("warmup fraction must be in [0, 1], got " + warmupFraction);
        if (!(weightDecay >= 0)) throw new UsageException("weight decay must be >= 0, got " + weightDecay);
        if (!(clipNorm > 0)) throw new UsageException("gradient clip norm must be > 0, got " + clipNorm);
        if (checkpointEvery < 1) throw new UsageException("checkpoint interval must be >= 1 step, got " + checkpointEvery);
        paths = List.copyOf(paths.stream().map(int[]::clone).toList());
        pathWeights = List.copyOf(pathWeights);
        if (!pathWeights.isEmpty() && pathWeights.size() != paths.size()) {
            throw new UsageException("give one weight per skip path or none: " + paths.size() + " paths, " + pathWeights.size() + " weights");
        }
        for (double pw : pathWeights) {
            if (!(pw > 0) || Double.isInfinite(pw)) throw new UsageException("a skip path's weight must be > 0, got " + pw);
        }
        if (!paths.isEmpty() && (loss.wInter() > 0 || loss.wExit() > 0 || loss.wAlign() > 0 || loss.wRelational() > 0)) {
            throw new UsageException("skip paths train L_final and L_contrast at each path's last layer only: set the inter, exit, align and relational weights to 0");
        }
    }

    public String fingerprint() {
        return String.format(Locale.ROOT, "objective=%s loss={%s} batch=%d maxlen=%d epochs=%d maxsteps=%d lr=%s warmup=%s wd=%s clip=%s seed=%d words=%s%s",
                objective, loss, batchSize, maxLength, epochs, maxSteps, lr, warmupFraction, weightDecay, clipNorm, seed, trainWordEmbeddings,
                lossPooling == Pooling.MEAN ? "" : " pooling=" + lossPooling)
                + (paths.isEmpty() ? "" : " paths=" + paths.stream().map(Arrays::toString).toList())
                + (pathWeights.stream().allMatch(pw -> pw == 1.0) ? "" : " path_weights=" + pathWeights);
    }

    /** The weight of path i: 1 unless given. */
    public double pathWeight(int i) {
        return pathWeights.isEmpty() ? 1.0 : pathWeights.get(i);
    }
}
