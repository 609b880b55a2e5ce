package dev.leap4j.cli;

import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.load.ModelLocator;
import picocli.CommandLine.Option;

import java.io.IOException;

/** --model for every command that loads one: a built-in name (with its cache) or a model folder. */
final class ModelOption {
    @Option(names = "--model", required = true, description = "built-in name or model folder")
    String name;

    /** The model's engine with this many threads. */
    EarlyExitEncoder open(int threads) throws IOException {
        return new EarlyExitEncoder(ModelLocator.load(name, Main.cacheDir()), threads);
    }
}
