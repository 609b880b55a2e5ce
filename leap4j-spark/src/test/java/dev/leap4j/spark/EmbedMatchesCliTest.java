package dev.leap4j.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spark's results equal `leap4j embed`'s bit for bit, exit layers included, however the rows are partitioned. */
class EmbedMatchesCliTest {
    static final String MODEL = "all-minilm-l6-v2";

    @Test
    void everyPartitioningGivesTheCliResults(@TempDir Path dir) throws Exception {
        long seed = dev.leap4j.TestSeed.next();
        System.out.println("EmbedMatchesCliTest seed " + seed);
        List<String> texts = Texts.sample(new Random(seed), 40);
        List<CliOracle.Line> expected = CliOracle.embed(dir, texts, MODEL, "--theta", "0.9");
        assertTrue(expected.stream().anyMatch(l -> l.exitLayer() < 6), "theta 0.9 should let some input exit before layer 6");
        assertTrue(expected.stream().anyMatch(CliOracle.Line::truncated), "the long text is cut at 256 tokens");

        Dataset<Row> df = Texts.frame(LocalSpark.session(), texts);
        EmbedOptions options = EmbedOptions.of(MODEL).withTheta(0.9).withThreads(2);
        for (int partitions : new int[] {1, 5}) {
            Dataset<Row> input = df.repartition(partitions);
            assertEquals(partitions, input.rdd().getNumPartitions());
            // batches of 7 cut across the partitions differently from the CLI's batches of 32
            assertMatches(texts, expected, Leap4jSpark.embed(input, "text", options.withBatchSize(7)).collectAsList(), "seed " + seed + ", " + partitions + " partitions");
        }
    }

    @Test
    void aPromptIsPutBeforeEveryTextAsTheCliDoes(@TempDir Path dir) throws Exception {
        List<String> texts = Texts.SENTENCES;
        List<CliOracle.Line> expected = CliOracle.embed(dir, texts, MODEL, "--theta", "0.9", "--prompt-text", "query: ");
        List<CliOracle.Line> plain = CliOracle.embed(dir, texts, MODEL, "--theta", "0.9");
        assertTrue(expected.get(0).tokens() > plain.get(0).tokens(), "the prompt's tokens count");
        Dataset<Row> df = Texts.frame(LocalSpark.session(), texts).repartition(3);
        List<Row> rows = Leap4jSpark.embed(df, "text", EmbedOptions.of(MODEL).withTheta(0.9).withThreads(2).withPromptText("query: ")).collectAsList();
        assertMatches(texts, expected, rows, "prompt text");
    }

    @Test
    void int8WeightsGiveTheCliResults(@TempDir Path dir) throws Exception {
        List<String> texts = Texts.SENTENCES;
        List<CliOracle.Line> expected = CliOracle.embed(dir, texts, MODEL, "--weights", "int8");
        List<CliOracle.Line> fp32 = CliOracle.embed(dir, texts, MODEL);
        assertTrue(!java.util.Arrays.equals(expected.get(0).vector(), fp32.get(0).vector()), "int8 is not fp32");
        Dataset<Row> df = Texts.frame(LocalSpark.session(), texts).repartition(2);
        List<Row> rows = Leap4jSpark.embed(df, "text", EmbedOptions.of(MODEL).withThreads(2).withWeights(dev.leap4j.api.WeightFormat.INT8)).collectAsList();
        assertMatches(texts, expected, rows, "int8");
    }

    static void assertMatches(List<String> texts, List<CliOracle.Line> expected, List<Row> rows, String what) {
        assertEquals(texts.size(), rows.size(), what);
        boolean[] seen = new boolean[texts.size()];
        for (Row r : rows) {
            int i = (int) r.getLong(r.fieldIndex("id"));
            seen[i] = true;
            String where = what + ": " + texts.get(i);
            CliOracle.Line e = expected.get(i);
            assertEquals(texts.get(i), r.getString(r.fieldIndex("text")), where);
            assertNull(r.get(r.fieldIndex(Leap4jSpark.ERROR)), where);
            assertEquals(e.exitLayer(), r.getInt(r.fieldIndex(Leap4jSpark.EXIT_LAYER)), where);
            assertEquals(e.tokens(), r.getInt(r.fieldIndex(Leap4jSpark.TOKENS)), where);
            assertEquals(e.truncated(), r.getBoolean(r.fieldIndex(Leap4jSpark.TRUNCATED)), where);
            assertArrayEquals(e.vector(), Texts.vector(r), where);   // compares the bits (floatToIntBits)
        }
        for (int i = 0; i < seen.length; i++) assertTrue(seen[i], what + ": row " + i + " missing");
    }
}
