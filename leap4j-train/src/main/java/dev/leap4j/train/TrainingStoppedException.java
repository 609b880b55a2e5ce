package dev.leap4j.train;

/**
 * Training stopped on purpose because a step cannot go on (a loss or gradient that is not finite); the last
 * checkpoint is intact and the message says what to change. Distinct from a fault in leap4j, which is any other
 * exception.
 */
public final class TrainingStoppedException extends IllegalStateException {
    public TrainingStoppedException(String message) {
        super(message);
    }
}
