package dev.leap4j.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The runnable job: Parquet out, statistics that add up, reruns that replace instead of adding rows. */
class EmbedJobTest {
    static final String MODEL = EmbedMatchesCliTest.MODEL;
    static final ObjectMapper JSON = new ObjectMapper();

    record Run(int code, String out, String err) {}

    static Run job(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        var cl = EmbedJob.commandLine(LocalSpark.session(), new PrintStream(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
    }

    @Test
    void jsonlToParquetWithStatisticsThatAddUpAndAnOverwriteThatDoesNotDuplicate(@TempDir Path dir) throws Exception {
        long seed = dev.leap4j.TestSeed.next();
        System.out.println("EmbedJobTest seed " + seed);
        List<String> texts = Texts.sample(new Random(seed), 20);
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < texts.size(); i++) {
            jsonl.append(JSON.createObjectNode().put("id", i).put("body", texts.get(i))).append('\n');
        }
        jsonl.append("{\"id\": 1000, \"body\": \"  \"}\n{\"id\": 1001}\n");   // blank, and no text at all
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, jsonl);
        String output = dir.resolve("out").toString();
        String[] args = {"--input", in.toString(), "--format", "jsonl", "--text-column", "body", "--output", output,
                "--model", MODEL, "--theta", "0.9", "--threads", "2", "--batch-size", "8"};

        Run first = job(args);
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("mean exit layer"), first.out());
        SparkSession spark = LocalSpark.session();
        List<Row> rows = spark.read().parquet(output).collectAsList();
        assertEquals(texts.size() + 2, rows.size());
        JsonNode stats = JSON.readTree(Files.readString(Path.of(output, EmbedJob.STATS_FILE)));
        assertStatsAddUp(stats, rows, 6);
        assertEquals(2, stats.get("errors").asLong());
        assertTrue(stats.get("layer_savings").asDouble() > 0, "theta 0.9 exits some inputs early");
        assertEquals(0.9, stats.get("theta").asDouble());
        assertEquals(3, stats.get("min_layer").asInt());

        Run again = job(args);   // --mode error is the default
        assertEquals(2, again.code());
        assertTrue(again.err().contains("exists: pass --mode overwrite"), again.err());

        String[] overwrite = java.util.Arrays.copyOf(args, args.length + 2);
        overwrite[args.length] = "--mode";
        overwrite[args.length + 1] = "overwrite";
        Run rerun = job(overwrite);
        assertEquals(0, rerun.code(), rerun.err());
        List<Row> rerunRows = spark.read().parquet(output).collectAsList();
        assertEquals(rows.size(), rerunRows.size(), "an overwrite replaces the rows");
        JsonNode rerunStats = JSON.readTree(Files.readString(Path.of(output, EmbedJob.STATS_FILE)));
        assertEquals(stats.get("exit_layers"), rerunStats.get("exit_layers"));
        assertEquals(stats.get("tokens"), rerunStats.get("tokens"));
    }

    @Test
    void textInputKeepsLineNumbersAndMarksBadLines(@TempDir Path dir) throws Exception {
        List<String> good = Texts.SENTENCES.subList(0, 6);
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        List<Integer> goodLines = new ArrayList<>();
        int line = 0;
        for (String t : good) {
            goodLines.add(line++);
            file.write(t.getBytes(StandardCharsets.UTF_8));
            file.write(line % 2 == 0 ? new byte[] {'\r', '\n'} : new byte[] {'\n'});   // both line ends, as the CLI reads them
            if (line == 2) {
                file.write(BadRowsTest.LONE_SURROGATE);
                file.write('\n');
                line++;
            }
            if (line == 4) {
                file.write('\n');   // an empty line
                line++;
            }
        }
        Path in = dir.resolve("in.txt");
        Files.write(in, file.toByteArray());
        String output = dir.resolve("out").toString();
        Run run = job("--input", in.toString(), "--output", output, "--model", MODEL, "--threads", "2");
        assertEquals(0, run.code(), run.err());

        List<CliOracle.Line> expected = CliOracle.embed(dir, good, MODEL);
        List<Row> rows = LocalSpark.session().read().parquet(output).collectAsList();
        assertEquals(line, rows.size());
        for (Row r : rows) {
            int index = (int) r.getLong(r.fieldIndex("index"));
            int g = goodLines.indexOf(index);
            String error = r.getString(r.fieldIndex(Leap4jSpark.ERROR));
            if (g < 0) {
                assertTrue(error != null && (error.startsWith("text is not valid UTF-8") || error.equals("text is empty")), index + ": " + error);
                continue;
            }
            assertNull(error, "line " + index);
            assertEquals(good.get(g), r.getString(r.fieldIndex("text")));
            assertEquals(expected.get(g).exitLayer(), r.getInt(r.fieldIndex(Leap4jSpark.EXIT_LAYER)));
            assertArrayEquals(expected.get(g).vector(), Texts.vector(r));
        }
        JsonNode stats = JSON.readTree(Files.readString(Path.of(output, EmbedJob.STATS_FILE)));
        assertStatsAddUp(stats, rows, 6);
        assertEquals(2, stats.get("errors").asLong());
    }

    @Test
    void mistakesAreOneLineAndExitCode2(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.txt");
        Files.writeString(in, "a\n");
        Run wrongColumn = job("--input", in.toString(), "--text-column", "body", "--output", dir.resolve("o").toString(), "--model", MODEL);
        assertEquals(2, wrongColumn.code());
        assertEquals("leap4j-spark: --text-column applies to jsonl and parquet input; text input has one column, 'text'", wrongColumn.err().strip());
        Run missing = job("--input", dir.resolve("nope.txt").toString(), "--output", dir.resolve("o").toString(), "--model", MODEL);
        assertEquals(2, missing.code());
        assertTrue(missing.err().strip().endsWith("does not exist"), missing.err());
        Run prompt = job("--input", in.toString(), "--output", dir.resolve("o").toString(), "--model", MODEL, "--prompt", "query");
        assertEquals(2, prompt.code());
        assertEquals("leap4j-spark: unknown prompt 'query': this model defines no prompts", prompt.err().strip());
        Run weights = job("--input", in.toString(), "--output", dir.resolve("o").toString(), "--model", MODEL, "--weights", "fp16");
        assertEquals(2, weights.code());
        assertEquals("leap4j-spark: --weights 'fp16' is not one of fp32, int8", weights.err().strip());
        assertTrue(!Files.exists(dir.resolve("o")), "nothing is written when the options are wrong");
    }

    /** The statistics against the rows they describe, and against themselves. */
    static void assertStatsAddUp(JsonNode stats, List<Row> rows, int layers) {
        long[] inputs = new long[layers + 1], tokens = new long[layers + 1];
        long errors = 0, tokenLayers = 0, layerSum = 0, embedded = 0;
        for (Row r : rows) {
            if (!r.isNullAt(r.fieldIndex(Leap4jSpark.ERROR))) {
                errors++;
                continue;
            }
            int l = r.getInt(r.fieldIndex(Leap4jSpark.EXIT_LAYER)), t = r.getInt(r.fieldIndex(Leap4jSpark.TOKENS));
            inputs[l]++;
            tokens[l] += t;
            tokenLayers += (long) t * l;
            layerSum += l;
            embedded++;
        }
        assertEquals(rows.size(), stats.get("rows").asLong());
        assertEquals(errors, stats.get("errors").asLong());
        assertEquals(embedded, stats.get("embedded").asLong());
        assertEquals(layers, stats.get("layers").asInt());
        long histogramInputs = 0, histogramTokens = 0, histogramTokenLayers = 0;
        for (int l = 1; l <= layers; l++) {
            JsonNode b = stats.get("exit_layers").get(String.valueOf(l));
            assertEquals(inputs[l], b.get("inputs").asLong(), "layer " + l);
            assertEquals(tokens[l], b.get("tokens").asLong(), "layer " + l);
            histogramInputs += b.get("inputs").asLong();
            histogramTokens += b.get("tokens").asLong();
            histogramTokenLayers += l * b.get("tokens").asLong();
        }
        assertEquals(embedded, histogramInputs, "the histogram sums to the good rows");
        long total = stats.get("tokens").asLong();
        assertEquals(histogramTokens, total);
        assertEquals(java.util.Arrays.stream(tokens).sum(), total, "tokens equal the sum over rows");
        assertEquals(tokenLayers, stats.get("token_layers_run").asLong());
        assertEquals(histogramTokenLayers, stats.get("token_layers_run").asLong());
        assertEquals(total * layers, stats.get("token_layers_full_depth").asLong());
        assertEquals(1.0 - (double) tokenLayers / (total * layers), stats.get("layer_savings").asDouble(), 1e-12);
        assertEquals((double) layerSum / embedded, stats.get("mean_exit_layer").asDouble(), 1e-12);
    }
}
