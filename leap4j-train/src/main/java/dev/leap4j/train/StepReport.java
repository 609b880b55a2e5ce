package dev.leap4j.train;

/** One finished optimizer step, for progress display. tokensPerSecond counts forward + backward tokens of this process. */
public record StepReport(long step, long totalSteps, int epoch, LeapLoss.Terms terms, double lr, double gradNorm,
                         int batchTokens, double elapsedSeconds, double tokensPerSecond) {
    /** Seconds left at the current rate. */
    public double etaSeconds(long stepsDoneThisProcess) {
        if (stepsDoneThisProcess <= 0) return Double.NaN;
        return elapsedSeconds / stepsDoneThisProcess * (totalSteps - step);
    }
}
