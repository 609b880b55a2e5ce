package dev.leap4j.cli;

import dev.leap4j.eval.RunInfo;
import dev.leap4j.api.Prompt;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a model with early exit: STS-B correlation or BEIR retrieval, theta sweep, measured speedups, report.",
        subcommands = {EvalStsCommand.class, EvalRetrievalCommand.class, CommandLine.HelpCommand.class})
final class EvalCommand {

    /** The run's environment for the report: what produced the numbers, so they can be reproduced. */
    static RunInfo runInfo(String model, String data, int threads, String[] args, Map<String, Prompt> prompts) {
        String cmd = "leap4j " + String.join(" ", args);
        return new RunInfo(model, data, Runtime.version().toString() + " (" + System.getProperty("java.vendor") + ")", cpuName(), threads,
                ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME), cmd.trim(), prompts);
    }

    static String cpuName() {
        String fallback = System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores";
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String l : lines) {
                if (l.startsWith("model name")) return l.substring(l.indexOf(':') + 1).trim() + " (" + Runtime.getRuntime().availableProcessors() + " cores visible)";
            }
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
        return fallback;
    }
}
