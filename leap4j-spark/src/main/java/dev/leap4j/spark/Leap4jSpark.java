package dev.leap4j.spark;

import dev.leap4j.api.UsageException;
import dev.leap4j.api.Leap4j;
import dev.leap4j.api.ExitPolicy;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * Early-exit embeddings for a Spark Dataset.
 *
 * <pre>{@code
 * Dataset<Row> out = Leap4jSpark.embed(df, "text", EmbedOptions.of("e5-small-v2").withTheta(0.95).withPrompt("passage"));
 * }</pre>
 *
 * <p>Every executor JVM loads the model once and shares that engine among its tasks. Results are exactly those of
 * {@code leap4j embed} with the same model and options (same floats, same exit layer), whatever the partitioning.
 */
public final class Leap4jSpark {
    public static final String EMBEDDING = "embedding", EXIT_LAYER = "exit_layer", TOKENS = "tokens",
            TRUNCATED = "truncated", ERROR = "error";
    /** The columns {@link #embed} adds, in this order. */
    public static final List<String> RESULT_COLUMNS = List.of(EMBEDDING, EXIT_LAYER, TOKENS, TRUNCATED, ERROR);

    private static final String UTF8_COLUMN = "__leap4j_text_utf8";

    private Leap4jSpark() {}

    /**
     * The rows of df with five columns added: {@code embedding} (array&lt;float&gt;), {@code exit_layer} (int),
     * {@code tokens} (int, special and prompt tokens included), {@code truncated} (boolean) and {@code error}
     * (string). A row whose text is null, empty, blank, not valid UTF-8 or refused by the tokenizer gets nulls in the
     * first four and a one-line reason in {@code error}; the others have {@code error} null. Lazy, like any
     * transformation: nothing runs until an action.
     *
     * @throws dev.leap4j.api.UsageException when textColumn is not a string column of df, or df already has a result column
     */
    public static Dataset<Row> embed(Dataset<Row> df, String textColumn, EmbedOptions options) {
        if (df == null || textColumn == null || options == null) throw new UsageException("df, textColumn and options are required");
        StructType in = df.schema();
        List<String> names = Arrays.asList(in.fieldNames());
        int textIndex = names.indexOf(textColumn);
        if (textIndex < 0) throw new UsageException("no column '" + textColumn + "' in the input; its columns are " + names);
        if (!(in.fields()[textIndex].dataType() instanceof org.apache.spark.sql.types.StringType)) {
            throw new UsageException("column '" + textColumn + "' is " + in.fields()[textIndex].dataType().simpleString()
                    + ", not a string: cast it, or name the text column");
        }
        for (String c : RESULT_COLUMNS) {
            if (names.contains(c)) throw new UsageException("the input already has a column '" + c + "': rename or drop it first");
        }
        if (names.contains(UTF8_COLUMN)) throw new UsageException("the input has a column named " + UTF8_COLUMN + ", which embed uses itself");

        StructType out = in
                .add(new StructField(EMBEDDING, DataTypes.createArrayType(DataTypes.FloatType, false), true, org.apache.spark.sql.types.Metadata.empty()))
                .add(EXIT_LAYER, DataTypes.IntegerType, true)
                .add(TOKENS, DataTypes.IntegerType, true)
                .add(TRUNCATED, DataTypes.BooleanType, true)
                .add(ERROR, DataTypes.StringType, true);
        // The text goes to the tasks as the bytes Spark holds: only there can invalid UTF-8 be told apart from text
        // (reading it as a Java string replaces bad bytes with U+FFFD).
        Dataset<Row> withBytes = df.withColumn(UTF8_COLUMN, col(quote(textColumn)).cast(DataTypes.BinaryType));
        return withBytes.mapPartitions(new PartitionEmbedder(options, in.size(), in.size()), Encoders.row(out));
    }

    /**
     * What the model is and which rule and prompt the options resolve to, found by one task on an executor (where
     * the model must be): the first embed of a job then finds the engine loaded. Fails with the options' mistake (an
     * unknown model or prompt, a min layer beyond the depth) as one IllegalArgumentException line.
     */
    public static ModelInfo describe(SparkSession spark, EmbedOptions options) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        try {
            return jsc.parallelize(List.of(0), 1).map(ignored -> ModelInfo.of(ExecutorModels.get(options), options, ExecutorModels.threads(options))).collect().getFirst();
        } catch (Exception e) {   // Scala throws the checked SparkException undeclared
            throw userMistake(e);
        }
    }

    /** The run's numbers, aggregated from embedded rows (e.g. the written output read back). */
    public static ExitStats stats(Dataset<Row> embedded, int numLayers) {
        return ExitStats.of(embedded, numLayers);
    }

    /**
     * A task's UsageException (or a model file it cannot use) reaches the driver inside a SparkException (job aborted, the stage and the
     * executor's stack); a caller's mistake should read as the one line it is.
     */
    static RuntimeException userMistake(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UsageException || t instanceof dev.leap4j.api.ModelFormatException) return new UsageException(t.getMessage(), e);
        }
        return e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    }

    private static String quote(String column) {
        return "`" + column.replace("`", "``") + "`";
    }

    /**
     * The model as the executors run it.
     *
     * @param threads engine threads on the executor that answered
     * @param prompt  the prompt put before every text, described ("none" when none)
     * @param policy  the exit rule, described (e.g. "full depth (no early exit)")
     */
    public record ModelInfo(String name, int numLayers, int dimension, int maxTokens, int threads,
                            double theta, int minLayer, int patience, String prompt, String policy) implements Serializable {
        static ModelInfo of(Leap4j model, EmbedOptions options, int threads) {
            ExitPolicy p = options.policy(model);
            return new ModelInfo(model.name(), model.numLayers(), model.dimension(), model.maxTokens(),
                    threads, p.theta(), p.minLayer(), p.patience(),
                    options.prompt(model).describe(), p.describe());
        }
    }
}
