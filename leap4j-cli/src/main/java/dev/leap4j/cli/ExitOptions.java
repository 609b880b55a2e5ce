package dev.leap4j.cli;

import dev.leap4j.api.UsageException;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.exit.EarlyExitEncoder;
import picocli.CommandLine.Option;

/** The exit-rule options shared by every command that embeds. Unset values take the model's own defaults. */
public final class ExitOptions {
    @Option(names = "--theta", description = "exit when cos(layer l, layer l-1) >= theta; above 1 = full depth "
            + "(default: the model's calibrated theta, else full depth)")
    Double theta;

    @Option(names = "--min-layer", description = "first layer allowed to exit (default: the model's calibration, else half its depth)")
    Integer minLayer;

    @Option(names = "--patience", description = "consecutive agreeing layers needed (default 1)")
    Integer patience;

    @Option(names = "--depth", description = "run at most this many layers (1..the model's depth): with no theta, "
            + "exactly the embeddings of the first K layers, or of the model's own K-layer path where it names one "
            + "(leap4j_paths.json, written by train --path) (default: the model's full depth)")
    Integer depth;

    /** As given; null where the option was left out (the model's default applies). */
    public Double theta() {
        return theta;
    }

    public Integer minLayer() {
        return minLayer;
    }

    public Integer patience() {
        return patience;
    }

    public Integer depth() {
        return depth;
    }

    /** The model's default rule with the options given in place; warns when they turn exits on for an uncalibrated model. */
    ExitPolicy policy(EarlyExitEncoder enc) {
        try {
            return enc.policy(theta, minLayer, patience, depth);
        } catch (UsageException e) {
            throw new UsageException(optionNames(e.getMessage()));
        }
    }

    /** Names the flag in the engine's message: "depth 13 is out of range" -> "--depth 13 is out of range". */
    private static String optionNames(String message) {
        for (String f : new String[] {"theta", "min layer", "patience", "depth"}) {
            if (message.startsWith(f + " ")) return "--" + f.replace(' ', '-') + message.substring(f.length());
        }
        return message;
    }
}
