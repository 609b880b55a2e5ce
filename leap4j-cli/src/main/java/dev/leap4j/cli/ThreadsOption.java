package dev.leap4j.cli;

import picocli.CommandLine.Option;

/** --threads for every command that runs the engine or the trainer: one flag, one default (all cores). */
final class ThreadsOption {
    @Option(names = "--threads", description = "worker threads (default: all cores)")
    Integer threads;

    /** The count given, or all cores; rejects counts below 1 with the flag's name. */
    int get() {
        return Main.threads(threads);
    }
}
