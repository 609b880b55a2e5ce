package dev.leap4j.spark;

import dev.leap4j.api.ExitPolicy;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A caller's mistake is one IllegalArgumentException line, found on the driver where it can be. */
class OptionsTest {
    static final String MODEL = EmbedMatchesCliTest.MODEL;

    @Test
    void wrongColumnsAreRefusedBeforeAnythingRuns() {
        SparkSession spark = LocalSpark.session();
        Dataset<Row> df = Texts.frame(spark, List.of("a", "b"));
        EmbedOptions o = EmbedOptions.of(MODEL);
        assertEquals("no column 'body' in the input; its columns are [id, text]",
                assertThrows(IllegalArgumentException.class, () -> Leap4jSpark.embed(df, "body", o)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Leap4jSpark.embed(df, "id", o)).getMessage()
                .startsWith("column 'id' is bigint, not a string"));
        assertEquals("the input already has a column 'error': rename or drop it first",
                assertThrows(IllegalArgumentException.class, () -> Leap4jSpark.embed(df.withColumn("error", lit(1)), "text", o)).getMessage());
    }

    @Test
    void optionValuesAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> EmbedOptions.of(" "));
        assertThrows(IllegalArgumentException.class, () -> EmbedOptions.of(MODEL).withTheta(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> EmbedOptions.of(MODEL).withTheta(0));
        assertThrows(IllegalArgumentException.class, () -> EmbedOptions.of(MODEL).withMinLayer(0));
        assertThrows(IllegalArgumentException.class, () -> EmbedOptions.of(MODEL).withThreads(0));
        assertThrows(IllegalArgumentException.class, () -> EmbedOptions.of(MODEL).withBatchSize(0));
        assertThrows(IllegalArgumentException.class, () -> EmbedOptions.of(MODEL).withDepth(0));
        assertThrows(IllegalArgumentException.class, () -> new EmbedOptions(MODEL, null, null, null, null, null, dev.leap4j.api.WeightFormat.FP32, 32, "query", "query: "));
        // the later of withPrompt / withPromptText wins, so a builder chain never holds both
        assertEquals("q: ", EmbedOptions.of(MODEL).withPrompt("query").withPromptText("q: ").promptText());
        assertEquals(null, EmbedOptions.of(MODEL).withPrompt("query").withPromptText("q: ").promptName());
    }

    @Test
    void mistakesOnlyTheModelCanRevealComeBackAsOneLine() {
        SparkSession spark = LocalSpark.session();
        var info = Leap4jSpark.describe(spark, EmbedOptions.of(MODEL).withThreads(2));
        assertEquals(6, info.numLayers());
        assertEquals(384, info.dimension());
        assertEquals(3, info.minLayer());
        assertEquals(ExitPolicy.NO_EXIT, info.theta(), "a stock model without a calibration runs at full depth by default");
        assertEquals("full depth (no early exit)", info.policy());
        assertEquals("none", info.prompt());
        assertEquals("fixed depth 4 (no early exit)", Leap4jSpark.describe(spark, EmbedOptions.of(MODEL).withThreads(2).withDepth(4)).policy());
        assertEquals("depth 7 is out of range: this model has layers 1..6",
                assertThrows(IllegalArgumentException.class, () -> Leap4jSpark.describe(spark, EmbedOptions.of(MODEL).withThreads(2).withDepth(7))).getMessage());
        assertEquals("unknown prompt 'query': this model defines no prompts",
                assertThrows(IllegalArgumentException.class, () -> Leap4jSpark.describe(spark, EmbedOptions.of(MODEL).withThreads(2).withPrompt("query"))).getMessage());
        assertEquals("min layer 7 exceeds the model's 6 layers",
                assertThrows(IllegalArgumentException.class, () -> Leap4jSpark.describe(spark, EmbedOptions.of(MODEL).withThreads(2).withMinLayer(7))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Leap4jSpark.describe(spark, EmbedOptions.of("no-such-model")))
                .getMessage().startsWith("unknown model 'no-such-model'"));
    }

    @Test
    void progressLinesSayTasksRateAndTimeLeft() {
        assertEquals("progress: 10 of 40 tasks done in 20 s (0.50 tasks/s), ~60 s left in the stages submitted so far", ProgressLog.line(10, 40, 20));
        assertEquals("progress: 40 of 40 tasks done in 80 s (0.50 tasks/s)", ProgressLog.line(40, 40, 80));
    }

    @Test
    void aWrongOptionFailsTheJobInsteadOfMarkingEveryRow() {
        Dataset<Row> df = Texts.frame(LocalSpark.session(), List.of("a", "b"));
        Throwable t = assertThrows(Exception.class,
                () -> Leap4jSpark.embed(df, "text", EmbedOptions.of(MODEL).withThreads(2).withPrompt("query")).collectAsList());
        while (t != null && !(t instanceof IllegalArgumentException)) t = t.getCause();
        assertTrue(t != null && t.getMessage().startsWith("unknown prompt 'query'"), "the task fails with the option's mistake");
    }

    @Test
    void threadsDefaultToTheExecutorsCores() {
        assertEquals(3, ExecutorModels.cores(new SparkConf(false).set("spark.master", "local[3]"), 16));
        assertEquals(2, ExecutorModels.cores(new SparkConf(false).set("spark.master", "local[2,4]"), 16));
        assertEquals(16, ExecutorModels.cores(new SparkConf(false).set("spark.master", "local[*]"), 16));
        assertEquals(1, ExecutorModels.cores(new SparkConf(false).set("spark.master", "local"), 16));
        assertEquals(5, ExecutorModels.cores(new SparkConf(false).set("spark.master", "yarn").set("spark.executor.cores", "5"), 16));
        assertEquals(16, ExecutorModels.cores(new SparkConf(false).set("spark.master", "spark://host:7077"), 16));
    }
}
