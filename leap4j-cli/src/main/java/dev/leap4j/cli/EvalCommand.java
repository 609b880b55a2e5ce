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

    /**
     * The CPU a report's speed figures come from: model name, family and model, the SIMD flags that pick the
     * engine's kernels (AVX-512 or AVX2 tiles), cores visible, and the load average when the run started.
     */
    static String cpuName() {
        String fallback = System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores";
        try {
            String name = null, family = null, model = null, flags = "";
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                String value = l.contains(":") ? l.substring(l.indexOf(':') + 1).trim() : "";
                if (name == null && l.startsWith("model name")) name = value;
                else if (family == null && l.startsWith("cpu family")) family = value;
                else if (model == null && l.matches("model\\s*:.*")) model = value;
                else if (flags.isEmpty() && l.startsWith("flags")) flags = value;
            }
            if (name == null) return fallback;
            List<String> simd = new java.util.ArrayList<>();
            for (String f : flags.split(" ")) if (List.of("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni").contains(f)) simd.add(f);
            String load = Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[0];
            return String.format(java.util.Locale.ROOT, "%s, family %s model %s, %s, %d cores visible, load %s at the start", name, family, model,
                    simd.isEmpty() ? "no AVX2" : String.join(" ", simd), Runtime.getRuntime().availableProcessors(), load);
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }
}
