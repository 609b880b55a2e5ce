package dev.leap4j.train;

import java.nio.file.Path;

/** Progress callbacks; training never prints. Defaults do nothing. */
public interface TrainListener {
    default void teacherProgress(int done, int total) {}

    default void resumed(long step, Path checkpoint) {}

    default void step(StepReport report, long stepsThisProcess) {}

    default void checkpointed(long step, Path file) {}

    default void probed(long step, java.util.Map<String, Double> measures) {}

    TrainListener NONE = new TrainListener() {};
}
