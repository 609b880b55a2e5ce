package dev.leap4j.cli;

import dev.leap4j.api.UsageException;
import dev.leap4j.load.ModelFolder;
import dev.leap4j.load.ModelLocator;
import dev.leap4j.model.BertWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * A depth dial without training: a model folder that runs only some of a model's layers, in order (the hidden state
 * goes from the layer before a skipped one straight to the layer after it). A spread sub-stack keeps far more of a
 * sentence encoder's quality than its first layers at the same cost (docs/RESULTS.md, "A depth dial without
 * training"). The folder keeps the model's tokenizer, pooling and prompts and carries no exit calibration, so every
 * entry point runs all of its layers by default.
 */
@Command(name = "substack", mixinStandardHelpOptions = true,
        description = "Write a model folder that runs only the given layers of a model, in order: fewer layers, no training.")
final class SubstackCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "built-in name or model folder")
    String model;

    @Option(names = "--layers", required = true, split = ",", paramLabel = "L",
            description = "the layers to keep, 1-based, ascending, e.g. 2,5,7,9,10,11,12")
    int[] layers;

    @Option(names = "--out", required = true, description = "the model folder to write (replaced if it exists)")
    Path out;

    @Override
    public Integer call() throws IOException {
        for (int i = 1; i < layers.length; i++) {
            if (layers[i] <= layers[i - 1]) {
                throw new UsageException("--layers must be ascending without repeats, got " + names(layers));
            }
        }
        if (Files.exists(out) && !Files.isDirectory(out)) throw new UsageException("--out " + out + " exists and is not a folder");
        ModelFolder stock = ModelLocator.load(model, Main.cacheDir());
        int depth = stock.config().numLayers();
        for (int l : layers) {
            if (l < 1 || l > depth) throw new UsageException("--layers names layer " + l + ": " + model + " has layers 1.." + depth);
        }
        BertWeights w = stock.weights().relayered(layers);
        ModelFolder.write(out, w.config, w, stock.tokenizerJson(), stock.prompts());
        spec.commandLine().getOut().printf("wrote %s: layers %s of %s (%d of %d)%n", out, names(layers), model, layers.length, depth);
        return 0;
    }

    private static String names(int[] layers) {
        return Arrays.stream(layers).mapToObj(String::valueOf).collect(Collectors.joining(","));
    }
}
