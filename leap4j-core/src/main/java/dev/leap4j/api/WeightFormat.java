package dev.leap4j.api;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How the engine holds the encoder's four matrices per layer (query/key/value, attention output, intermediate,
 * output); embeddings, biases and layer norms stay float in both.
 */
public enum WeightFormat {
    /** 32-bit floats, exactly the checkpoint: the default. */
    FP32,
    /**
     * int8 per output column with a float scale, quantized when the model is loaded (a quarter of the bytes the
     * forward pass reads); activations and sums stay float. Close to FP32, not equal: docs/RESULTS.md has the
     * measured quality cost per model.
     */
    INT8;

    /** The name on the command line and in configuration: {@code fp32}, {@code int8}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The format a label names, in any case.
     *
     * @param setting what the caller calls the value (e.g. {@code --weights}), for the message
     * @throws dev.leap4j.api.UsageException naming the setting and the valid values for anything else
     */
    public static WeightFormat parse(String label, String setting) {
        for (WeightFormat f : values()) if (f.label().equals(label == null ? null : label.strip().toLowerCase(Locale.ROOT))) return f;
        throw new UsageException(setting + " '" + label + "' is not one of "
                + Arrays.stream(values()).map(WeightFormat::label).collect(Collectors.joining(", ")));
    }
}
