package dev.leap4j.spark;

import dev.leap4j.api.UsageException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.api.WeightFormat;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

import static org.apache.spark.sql.functions.col;

/**
 * The bulk job: reads texts, embeds them on the cluster, writes Parquet, then prints and writes the run's exit
 * statistics to DIR/_leap4j_stats.json. Inside the output folder, the statistics go wherever the output goes, and
 * {@code --mode overwrite} removes them with the output they describe; Spark and Parquet readers skip files whose
 * names start with "_", so the folder still reads as a plain Parquet dataset.
 */
@Command(name = "leap4j-spark", mixinStandardHelpOptions = true,
        description = "Embed texts on Spark with per-input early exit; writes Parquet (input columns + embedding, exit_layer, tokens, truncated, error) and DIR/_leap4j_stats.json.")
public final class EmbedJob implements Callable<Integer> {
    /** Beside the Parquet files; the leading "_" hides it from Parquet readers. */
    public static final String STATS_FILE = "_leap4j_stats.json";

    /** A progress line at most this often while the embedding runs. */
    static final long PROGRESS_INTERVAL_NANOS = 10_000_000_000L;

    enum Format { text, jsonl, parquet }

    enum Mode { overwrite, error }

    @Option(names = "--input", required = true, description = "file or folder (any path Spark reads: local, hdfs://, s3a://)")
    String input;

    @Option(names = "--format", defaultValue = "text", description = "text (one input per line; adds a 0-based 'index' column), jsonl or parquet (default text)")
    Format format;

    @Option(names = "--text-column", defaultValue = "text", description = "column holding the texts for jsonl and parquet (default text)")
    String textColumn;

    @Option(names = "--output", required = true, description = "output folder (Parquet)")
    String output;

    @Option(names = "--mode", defaultValue = "error", description = "overwrite: replace the output (a rerun does not add rows); error: refuse an existing output (default)")
    Mode mode;

    @Option(names = "--model", required = true, description = "built-in name or a model folder present at the same path on every executor")
    String model;

    // the exit options as leap4j embed spells them; unset values take the model's own rule on the executors
    @Option(names = "--theta", description = "exit when cos(layer l, layer l-1) >= theta; above 1 = full depth (default: the model's calibrated theta, else full depth)")
    Double theta;

    @Option(names = "--min-layer", description = "first layer allowed to exit (default: the model's calibration, else half its depth)")
    Integer minLayer;

    @Option(names = "--patience", description = "consecutive agreeing layers needed (default 1)")
    Integer patience;

    @Option(names = "--depth", description = "run at most this many layers (default: the model's full depth)")
    Integer depth;

    @Option(names = "--threads", description = "engine threads per executor (default: the executor's cores)")
    Integer threads;

    @Option(names = "--weights", defaultValue = "fp32", paramLabel = "fp32|int8",
            description = "the layers' matrices as floats (default) or int8 per output column: faster, close to fp32 but not equal")
    String weights;

    @Option(names = "--batch-size", defaultValue = "32", description = "inputs per engine call (default 32)")
    int batchSize;

    @Option(names = "--prompt", paramLabel = "NAME", description = "put the model's prompt NAME before every input (default: the model's default prompt, if any)")
    String prompt;

    @Option(names = "--prompt-text", paramLabel = "TEXT", description = "put TEXT before every input (instead of --prompt)")
    String promptText;

    @Option(names = "--master", description = "Spark master, e.g. local[4] (default: spark-submit's)")
    String master;

    private final SparkSession given;
    private final PrintStream out;

    private EmbedJob(SparkSession given, PrintStream out) {
        this.given = given;
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(commandLine(null, System.out).execute(args));
    }

    /**
     * The job as main runs it, on a session of its own (null: built from the options and stopped at the end) or the
     * given one (left running). Exit codes as leap4j's: 2 a caller's mistake (one line), 1 anything else.
     */
    public static CommandLine commandLine(SparkSession session, PrintStream out) {
        CommandLine cl = new CommandLine(new EmbedJob(session, out));
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof UsageException || ex instanceof dev.leap4j.api.ModelFormatException) {
                cmd.getErr().println("leap4j-spark: " + ex.getMessage());
                return 2;
            }
            ex.printStackTrace(cmd.getErr());
            cmd.getErr().println("leap4j-spark: the job failed; the stack trace above shows where");
            return 1;
        });
        return cl;
    }

    @Override
    public Integer call() throws IOException {
        EmbedOptions options = new EmbedOptions(model, theta, minLayer, patience, depth, threads, WeightFormat.parse(weights, "--weights"),
                batchSize, prompt, promptText);
        if (format == Format.text && !textColumn.equals("text")) {
            throw new UsageException("--text-column applies to jsonl and parquet input; text input has one column, 'text'");
        }
        if (given == null && master == null && System.getProperty("spark.master") == null) {
            throw new UsageException("no Spark master: run through spark-submit, or pass --master local[N]");
        }
        SparkSession spark = given != null ? given : session();
        try {
            return run(spark, options);
        } finally {
            if (given == null) spark.stop();
        }
    }

    private SparkSession session() {
        SparkSession.Builder b = SparkSession.builder().appName("leap4j-embed");
        if (master != null) b.master(master);
        return b.getOrCreate();
    }

    private int run(SparkSession spark, EmbedOptions options) throws IOException {
        var hadoop = spark.sparkContext().hadoopConfiguration();
        Path in = new Path(input), dir = new Path(output);
        FileSystem inFs = in.getFileSystem(hadoop), outFs = dir.getFileSystem(hadoop);
        if (!inFs.exists(in)) throw new UsageException("--input " + input + " does not exist");
        // checked before any work, so a refused rerun costs nothing
        if (mode == Mode.error && outFs.exists(dir)) {
            throw new UsageException("--output " + output + " exists: pass --mode overwrite to replace it, or choose another folder");
        }
        if (inFs.makeQualified(in).equals(outFs.makeQualified(dir))) {
            throw new UsageException("--output must not be the --input folder");
        }
        Dataset<Row> df = read(spark);
        Leap4jSpark.ModelInfo info = Leap4jSpark.describe(spark, options);
        out.printf("model %s: %d layers, dimension %d; %s; prompt %s; %d engine threads per executor%n",
                info.name(), info.numLayers(), info.dimension(), info.policy(), info.prompt(), info.threads());

        long t0 = System.nanoTime();
        ProgressLog progress = new ProgressLog(out, PROGRESS_INTERVAL_NANOS);
        spark.sparkContext().addSparkListener(progress);
        try {
            Leap4jSpark.embed(df, textColumn, options).write()
                    .mode(mode == Mode.overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists).parquet(output);
        } finally {
            spark.sparkContext().removeSparkListener(progress);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;

        ExitStats stats = ExitStats.of(spark.read().parquet(output), info.numLayers());
        ObjectNode json = stats.toJson();
        json.put("model", info.name());
        json.put("theta", info.theta());
        json.put("min_layer", info.minLayer());
        json.put("patience", info.patience());
        json.put("prompt", info.prompt());
        json.put("input", input);
        json.put("output", output);
        json.put("embed_and_write_seconds", seconds);
        json.put("statistics_from", "aggregation over the written Parquet output");
        Path statsFile = new Path(dir, STATS_FILE);
        try (FSDataOutputStream s = outFs.create(statsFile, true)) {
            s.write((ExitStats.pretty(json) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        out.print(stats.table());
        out.printf("embedded and written in %.1f s; statistics in %s%n", seconds, statsFile);
        return 0;
    }

    private Dataset<Row> read(SparkSession spark) {
        return switch (format) {
            case jsonl -> spark.read().json(input);
            case parquet -> spark.read().parquet(input);
            case text -> numberedLines(spark);
        };
    }

    /**
     * One row per line, with its 0-based line number as leap4j embed's index. The lines stay bytes until the end, so
     * invalid UTF-8 reaches embed as it is in the file (and becomes a row error) instead of U+FFFD.
     */
    private Dataset<Row> numberedLines(SparkSession spark) {
        JavaRDD<Row> numbered = spark.read().text(input).select(col("value").cast(DataTypes.BinaryType)).javaRDD()
                .zipWithIndex().map(t -> RowFactory.create(t._2(), t._1().get(0)));
        StructType schema = new StructType().add("index", DataTypes.LongType, false).add("bytes", DataTypes.BinaryType, true);
        return spark.createDataFrame(numbered, schema).select(col("index"), col("bytes").cast(DataTypes.StringType).as("text"));
    }
}
