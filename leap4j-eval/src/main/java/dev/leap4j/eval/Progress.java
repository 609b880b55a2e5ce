package dev.leap4j.eval;

/** Progress of a long evaluation step; the command line draws it, the evaluation code only reports it. */
@FunctionalInterface
public interface Progress {
    Progress NONE = (task, done, total) -> {};

    /** done of total units of task are complete; called with done == total when the task ends. */
    void update(String task, long done, long total);
}
