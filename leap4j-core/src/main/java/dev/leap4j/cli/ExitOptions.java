package dev.leap4j.cli;

import dev.leap4j.exit.ExitPolicy;
import picocli.CommandLine.Option;

/** The exit-rule options shared by every command that embeds, here and in the integration modules' commands. */
public final class ExitOptions {
    @Option(names = "--theta", description = "exit when cos(layer l, layer l-1) >= theta; above 1 = full depth (default 0.95)")
    Double theta;

    @Option(names = "--min-layer", description = "first layer allowed to exit (default: half the model's depth)")
    Integer minLayer;

    @Option(names = "--patience", description = "consecutive agreeing layers needed (default 1)")
    Integer patience;

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

    ExitPolicy policy(int numLayers) {
        return ExitPolicy.defaults(numLayers, theta, minLayer, patience);
    }
}
