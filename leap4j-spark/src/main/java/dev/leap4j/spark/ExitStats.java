package dev.leap4j.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.Locale;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

/**
 * What a run did, summed over all executors: inputs and tokens per exit layer, errors, and the layers saved.
 * Computed by aggregating the embedded rows (the job aggregates the output it wrote), not with accumulators: Spark
 * reruns failed or speculative tasks, and an accumulator updated inside a transformation counts each rerun again,
 * while the written output holds every row exactly once.
 *
 * @param inputsAtLayer inputsAtLayer[l] = embedded inputs that exited at layer l (index 0 unused)
 * @param tokensAtLayer their tokens
 */
public record ExitStats(int numLayers, long rows, long errors, long truncated, long[] inputsAtLayer, long[] tokensAtLayer) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public ExitStats {
        if (inputsAtLayer.length != numLayers + 1 || tokensAtLayer.length != numLayers + 1) {
            throw new IllegalArgumentException("per-layer counts must have numLayers + 1 entries");
        }
    }

    /** One pass over the rows: a group per exit layer (null for the rows with an error) with its count and tokens. */
    static ExitStats of(Dataset<Row> embedded, int numLayers) {
        long[] inputs = new long[numLayers + 1], tokens = new long[numLayers + 1];
        long rows = 0, errors = 0, truncated = 0;
        for (Row g : embedded.groupBy(col(Leap4jSpark.EXIT_LAYER))
                .agg(count(lit(1)), sum(col(Leap4jSpark.TOKENS)),
                        sum(when(col(Leap4jSpark.TRUNCATED), 1).otherwise(0)),
                        sum(when(col(Leap4jSpark.ERROR).isNotNull(), 1).otherwise(0)))
                .collectAsList()) {
            long n = g.getLong(1);
            rows += n;
            errors += g.getLong(4);
            if (g.isNullAt(0)) continue;
            int layer = g.getInt(0);
            if (layer < 1 || layer > numLayers) {
                throw new IllegalStateException("exit layer " + layer + " in the output is outside the model's 1.." + numLayers);
            }
            inputs[layer] += n;
            tokens[layer] += g.isNullAt(2) ? 0 : g.getLong(2);
            truncated += g.isNullAt(3) ? 0 : g.getLong(3);
        }
        return new ExitStats(numLayers, rows, errors, truncated, inputs, tokens);
    }

    public long embedded() {
        long s = 0;
        for (long n : inputsAtLayer) s += n;
        return s;
    }

    public long tokens() {
        long s = 0;
        for (long t : tokensAtLayer) s += t;
        return s;
    }

    /** sum(tokens * exit_layer): the token-layers the engine ran. */
    public long tokenLayersRun() {
        long s = 0;
        for (int l = 1; l <= numLayers; l++) s += l * tokensAtLayer[l];
        return s;
    }

    /** sum(tokens * numLayers): the token-layers full depth would have run. */
    public long tokenLayersFullDepth() {
        return tokens() * numLayers;
    }

    /** 1 - run / full depth, token-weighted (0 when nothing was embedded). */
    public double layerSavings() {
        long full = tokenLayersFullDepth();
        return full == 0 ? 0 : 1.0 - (double) tokenLayersRun() / full;
    }

    /** The mean exit layer per input (NaN when nothing was embedded). */
    public double meanExitLayer() {
        long n = embedded(), s = 0;
        for (int l = 1; l <= numLayers; l++) s += l * inputsAtLayer[l];
        return n == 0 ? Double.NaN : (double) s / n;
    }

    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("rows", rows);
        o.put("embedded", embedded());
        o.put("errors", errors);
        o.put("truncated", truncated);
        o.put("tokens", tokens());
        o.put("layers", numLayers);
        ObjectNode h = o.putObject("exit_layers");
        for (int l = 1; l <= numLayers; l++) {
            ObjectNode b = h.putObject(String.valueOf(l));
            b.put("inputs", inputsAtLayer[l]);
            b.put("tokens", tokensAtLayer[l]);
        }
        if (embedded() > 0) o.put("mean_exit_layer", meanExitLayer());
        else o.putNull("mean_exit_layer");
        o.put("token_layers_run", tokenLayersRun());
        o.put("token_layers_full_depth", tokenLayersFullDepth());
        o.put("layer_savings", layerSavings());
        return o;
    }

    public static String pretty(ObjectNode o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** For the terminal: the histogram with a bar per layer, then the totals. */
    public String table() {
        StringBuilder sb = new StringBuilder("exit  inputs      share   tokens\n");
        long n = embedded();
        for (int l = 1; l <= numLayers; l++) {
            double share = n == 0 ? 0 : (double) inputsAtLayer[l] / n;
            sb.append(String.format(Locale.ROOT, "%-5d %-11d %5.1f%%  %-11d %s%n", l, inputsAtLayer[l], 100 * share,
                    tokensAtLayer[l], "#".repeat((int) Math.round(40 * share))));
        }
        sb.append(String.format(Locale.ROOT, "rows %d, embedded %d, errors %d, truncated %d, tokens %d%n", rows, n, errors, truncated, tokens()));
        sb.append(String.format(Locale.ROOT, "mean exit layer %s of %d; token-weighted layers run %d of %d (%.1f%% saved)%n",
                n == 0 ? "-" : String.format(Locale.ROOT, "%.3f", meanExitLayer()), numLayers, tokenLayersRun(),
                tokenLayersFullDepth(), 100 * layerSavings()));
        return sb.toString();
    }
}
