package dev.leap4j.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rows that cannot be embedded get a reason and nulls; the rows around them are embedded as if they were alone. */
class BadRowsTest {
    /** U+D800 written as UTF-8 would write it if surrogates were code points: what a file holding a lone surrogate has. */
    static final byte[] LONE_SURROGATE = {(byte) 0xED, (byte) 0xA0, (byte) 0x80};

    @Test
    void badRowsGetAReasonAndTheOthersStillSucceed(@TempDir Path dir) throws Exception {
        // id, bytes of the text (null = null text), the reason expected (null = embedded)
        Object[][] cases = {
                {"A man is playing a guitar.", null},
                {null, "text is null"},
                {"", "text is empty"},
                {"   ", "text is blank"},
                {LONE_SURROGATE, "text is not valid UTF-8 at byte 0"},
                {"The cat sleeps on the warm windowsill.", null},
                {new byte[] {'o', 'k', (byte) 0xFF}, "text is not valid UTF-8 at byte 2"},
                {"\t\n", "text is blank"},
                {"Paris is the capital of France.", null},
        };
        List<Row> in = new ArrayList<>();
        for (int i = 0; i < cases.length; i++) {
            Object t = cases[i][0];
            in.add(RowFactory.create((long) i, t instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : t));
        }
        SparkSession spark = LocalSpark.session();
        // binary cast to string keeps the bytes as they are, as Spark's text and Parquet readers do
        Dataset<Row> df = spark.createDataFrame(in, new StructType().add("id", DataTypes.LongType).add("bytes", DataTypes.BinaryType))
                .select(col("id"), col("bytes").cast(DataTypes.StringType).as("text")).repartition(2);

        List<String> good = new ArrayList<>();
        for (Object[] c : cases) if (c[1] == null) good.add((String) c[0]);
        List<CliOracle.Line> expected = CliOracle.embed(dir, good, EmbedMatchesCliTest.MODEL);

        // batches of 2: some batches hold only bad rows, some mix them with good ones
        List<Row> rows = Leap4jSpark.embed(df, "text", EmbedOptions.of(EmbedMatchesCliTest.MODEL).withThreads(2).withBatchSize(2)).collectAsList();
        assertEquals(cases.length, rows.size());
        for (Row r : rows) {
            int i = (int) r.getLong(0);
            String reason = (String) cases[i][1];
            String error = r.getString(r.fieldIndex(Leap4jSpark.ERROR));
            if (reason == null) {
                assertNull(error, "row " + i);
                CliOracle.Line e = expected.get(good.indexOf((String) cases[i][0]));
                assertEquals(e.exitLayer(), r.getInt(r.fieldIndex(Leap4jSpark.EXIT_LAYER)));
                assertEquals(e.tokens(), r.getInt(r.fieldIndex(Leap4jSpark.TOKENS)));
                assertArrayEquals(e.vector(), Texts.vector(r));
            } else {
                assertNotNull(error, "row " + i);
                assertTrue(error.startsWith(reason), "row " + i + ": " + error);
                assertTrue(!error.contains("\n"), "one line: " + error);
                for (String c : List.of(Leap4jSpark.EMBEDDING, Leap4jSpark.EXIT_LAYER, Leap4jSpark.TOKENS, Leap4jSpark.TRUNCATED)) {
                    assertTrue(r.isNullAt(r.fieldIndex(c)), "row " + i + " " + c);
                }
            }
        }
    }

    @Test
    void aJavaStringWithALoneSurrogateReachesSparkAsAQuestionMark() {
        // Spark stores strings as UTF-8 and converts with String.getBytes, which writes '?' for an unpaired surrogate:
        // the text is changed before any stage runs, so embed cannot flag it. Pinned here because the docs say so.
        Dataset<Row> df = LocalSpark.session().createDataFrame(List.of(RowFactory.create("a\uD800b")),
                new StructType().add("text", DataTypes.StringType));
        Row r = df.first();
        assertEquals("a?b", r.getString(0));
        assertEquals(Arrays.asList("a?b"), df.as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    }
}
