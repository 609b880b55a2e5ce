package dev.leap4j.cli;

import dev.leap4j.api.UsageException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.nio.file.Path;

/** The leap4j command line: the only place that parses arguments, prints, and reads the environment. */
@Command(name = "leap4j", mixinStandardHelpOptions = true, version = "leap4j 0.1.0",
        description = "Early-exit sentence embeddings: embed, inspect, evaluate, train, serve.",
        subcommands = {DemoCommand.class, EmbedCommand.class, InspectCommand.class, EvalCommand.class, ServeCommand.class,
                TrainCommand.class, SubstackCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static void main(String[] args) {
        // the engine warns through System.Logger (java.util.logging here): one line on stderr, as the CLI's own messages
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "leap4j: %4$s: %5$s%6$s%n");
        }
        System.exit(commandLine().execute(args));
    }

    /** Exit codes: 2 a caller's mistake, 4 a model file that cannot be used, 5 an I/O fault, 1 an internal fault (a bug). */
    static final int EXIT_USAGE = 2, EXIT_BAD_MODEL_FILE = 4, EXIT_IO = 5, EXIT_INTERNAL = 1;

    /**
     * The command line as main runs it. Errors by kind: a caller's mistake ({@link UsageException}) is one line and
     * exit code 2; a model file that cannot be used names the file and the fault, exit code 4; a file or disk that
     * cannot be read or written is one line with the system's message, exit code 5; anything else, any other
     * IllegalArgumentException included (a broken internal rule), is a fault in leap4j: the stack trace, a line
     * saying so, exit code 1. (Training that stops on a non-finite loss is exit 3, from the train command.)
     */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> report(ex, cmd.getErr()));
        return cl;
    }

    /** Writes what went wrong, by kind, to err; returns the exit code (see {@link #commandLine()}). */
    static int report(Exception ex, java.io.PrintWriter err) {
        if (ex instanceof dev.leap4j.api.ModelFormatException) {
            err.println("leap4j: cannot use the model: " + ex.getMessage());
            return EXIT_BAD_MODEL_FILE;
        }
        if (ex instanceof UsageException) {
            err.println("leap4j: " + ex.getMessage());
            return EXIT_USAGE;
        }
        if (ex instanceof java.io.IOException || ex instanceof java.io.UncheckedIOException) {
            // a file or disk that could not be read or written: the system's own message names the path
            Throwable io = ex instanceof java.io.UncheckedIOException u ? u.getCause() : ex;
            err.println("leap4j: I/O error: " + io.getClass().getSimpleName() + ": " + io.getMessage());
            return EXIT_IO;
        }
        ex.printStackTrace(err);
        err.println("leap4j: internal error (a fault in leap4j, not in the input); the stack trace above shows where");
        return EXIT_INTERNAL;
    }

    /** Where imported built-in models are cached: $LEAP4J_CACHE, else ~/.cache/leap4j/models. */
    static Path cacheDir() {
        return dev.leap4j.api.Defaults.cacheDir();
    }

    /** The --threads value a command was given, or all cores; rejects counts below 1 with the flag's name. */
    static int threads(Integer requested) {
        int t = requested == null ? defaultThreads() : requested;
        if (t < 1) throw new UsageException("--threads must be >= 1, got " + t);
        return t;
    }

    static int defaultThreads() {
        return dev.leap4j.api.Defaults.threads();
    }
}
