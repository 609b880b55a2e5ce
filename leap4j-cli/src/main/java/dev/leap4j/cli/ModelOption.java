package dev.leap4j.cli;

import dev.leap4j.api.WeightFormat;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.load.ModelLocator;
import picocli.CommandLine.Option;

import java.io.IOException;

/** --model and --weights for every command that loads one: a built-in name (with its cache) or a model folder. */
final class ModelOption {
    @Option(names = "--model", required = true, description = "built-in name or model folder")
    String name;

    @Option(names = "--weights", defaultValue = "fp32", paramLabel = "fp32|int8",
            description = "the layers' matrices as the checkpoint's floats (default) or int8 per output column, "
                    + "quantized at load: faster, close to fp32 but not equal")
    String weights;

    WeightFormat weightFormat() {
        return WeightFormat.parse(weights, "--weights");
    }

    /** The model as a report names it: with "(int8 weights)" when not the checkpoint's floats. */
    String described() {
        return weightFormat() == WeightFormat.FP32 ? name : name + " (" + weightFormat().label() + " weights)";
    }

    /** The model's engine with this many threads. */
    EarlyExitEncoder open(int threads) throws IOException {
        WeightFormat format = weightFormat(); // before the load: a wrong value costs no model import
        return new EarlyExitEncoder(ModelLocator.load(name, Main.cacheDir()), threads, format);
    }
}
