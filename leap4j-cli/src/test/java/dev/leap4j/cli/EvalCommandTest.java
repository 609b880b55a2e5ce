package dev.leap4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leap4j.eval.BeirData;
import dev.leap4j.eval.Metrics;
import dev.leap4j.eval.StsData;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.load.BuiltinModel;
import dev.leap4j.load.ModelFolder;
import dev.leap4j.tokenize.TextTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The eval commands end to end on small fixtures cut from STS-B test and BEIR SciFact, with the real all-MiniLM model. */
class EvalCommandTest {
    private static Path model;

    @TempDir
    Path tmp;

    @BeforeAll
    static void importModel() throws IOException {
        model = BuiltinModel.ALL_MINILM_L6_V2.folder(Path.of("target/model-cache"));
    }

    @Test
    void stsReportMatchesLiveEmbeddings() throws IOException {
        Path out = tmp.resolve("sts");
        int rc = run("eval", "sts", "--model", model.toString(), "--data", "../leap4j-eval/src/test/resources/eval/sts", "--thetas", "0.99,0.9",
                "--speed-sample", "2", "--speed-sample-b32", "4", "--repeats", "1", "--threads", "2", "--out", out.toString());
        assertEquals(0, rc);
        JsonNode r = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        StsData data = StsData.read(Path.of("../leap4j-eval/src/test/resources/eval/sts/sts-test.tsv"));
        int n = data.pairs().size();
        assertEquals(n, r.at("/data/pairs").asInt());
        try (EarlyExitEncoder enc = new EarlyExitEncoder(ModelFolder.load(model), 2)) {
            // full depth and one theta recomputed by live runs: the replayed report must agree with them
            assertEquals(spearman(enc.embed(data.sentences(), ExitPolicy.fullDepth(), 8), data), r.at("/full_depth/spearman").asDouble(), 1e-5);
            JsonNode t90 = r.at("/thetas/0");
            assertEquals(0.90, t90.get("theta").asDouble());
            List<Embedding> live = enc.embed(data.sentences(), ExitPolicy.uncalibrated(enc.numLayers()).withTheta(ExitPolicy.PAPER_THETA).withTheta(0.90), 8);
            assertEquals(spearman(live, data), t90.get("spearman").asDouble(), 1e-5);
            double mean = live.stream().mapToInt(Embedding::exitLayer).average().orElseThrow();
            assertEquals(mean, t90.get("mean_exit_layer").asDouble(), 1e-9);
        }
        assertTrue(r.at("/thetas/1/speedup_batch1").isNumber() && r.at("/thetas/1/speedup_batch32").isNumber());
        assertTrue(r.at("/thetas/1/speedup_batch32_best_of_repeats").isNumber());
        assertEquals(2, r.at("/speed/batch32/policy_ms_min").size());
        assertNotNull(r.at("/recommendation/verdict").asText(null));
        // the fixed-cut curve is the per-layer Spearman, and each theta names the best cut within its mean exit layer
        for (int k = 1; k <= 6; k++) assertEquals(r.at("/layers/" + (k - 1) + "/spearman_if_all_exit_here").asDouble(), r.at("/fixed_cuts/" + (k - 1) + "/quality").asDouble());
        for (JsonNode t : r.get("exit_vs_fixed_cut")) {
            int cut = t.get("best_fixed_cut_layer").asInt();
            assertTrue(cut >= 1 && cut <= t.get("mean_exit_layer").asDouble(), t.toString());
            double best = 0;
            for (int k = 1; k <= cut; k++) best = Math.max(best, r.at("/fixed_cuts/" + (k - 1) + "/quality").asDouble());
            assertEquals(best, t.get("best_fixed_cut_quality").asDouble());
            assertEquals(t.get("quality").asDouble() >= best, t.get("beats_fixed_cuts").asBoolean());
        }
        assertTrue(r.at("/run/jdk").asText().startsWith("25"), r.at("/run/jdk").asText());
        assertTrue(r.at("/prompts/sentences/name").isNull() && r.at("/prompts/sentences/text").asText().equals(""), "no prompt unless asked: " + r.at("/prompts"));
        assertTrue(Files.readString(out.resolve("report.md")).contains("- prompts: sentences: none"));
        assertTrue(Files.readString(out.resolve("report.md")).contains("| 0.90 |"));
        for (String png : List.of("quality-vs-speedup.png", "exit-histogram.png", "layer-agreement.png", "quality-vs-layers.png")) {
            BufferedImage img = ImageIO.read(out.resolve(png).toFile());
            assertNotNull(img, png);
            assertEquals(900, img.getWidth());
        }
    }

    @Test
    void stsReportsEachDepthPathAsItsOwnCopyScoresAndTimesIt() throws IOException {
        Path dial = linkedCopy("dial");
        Files.deleteIfExists(dial.resolve(dev.leap4j.exit.DepthPaths.FILE));
        int[] rung = {1, 3, 5, 6};
        dev.leap4j.exit.DepthPaths.of(List.of(rung), 6).write(dial);
        Path out = tmp.resolve("sts-dial"), cut = tmp.resolve("cut");
        assertEquals(0, run("eval", "sts", "--model", dial.toString(), "--data", "../leap4j-eval/src/test/resources/eval/sts", "--thetas", "0.99",
                "--speed-sample", "2", "--speed-sample-b32", "4", "--repeats", "1", "--threads", "2", "--out", out.toString()));
        // the oracle: the rung cut out as a model of its own (a copy of those layers' weights) at its full depth
        assertEquals(0, run("substack", "--model", model.toString(), "--layers", "1,3,5,6", "--out", cut.toString()));
        JsonNode r = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        StsData data = StsData.read(Path.of("../leap4j-eval/src/test/resources/eval/sts/sts-test.tsv"));
        JsonNode p = r.at("/depth_paths/0");
        assertEquals(1, r.get("depth_paths").size());
        assertEquals(4, p.get("depth").asInt());
        try (EarlyExitEncoder copy = new EarlyExitEncoder(ModelFolder.load(cut), 2)) {
            assertEquals(spearman(copy.embed(data.sentences(), ExitPolicy.fullDepth(), 8), data), p.get("spearman").asDouble(), 1e-9);
        }
        assertEquals(r.at("/layers/3/spearman_if_all_exit_here").asDouble(), p.get("spearman_first_layers").asDouble());
        assertTrue(p.get("spearman").asDouble() != p.get("spearman_first_layers").asDouble(), "the path is not the first 4 layers: " + p);
        // --depth 4 runs the path, so the fixed cut at 4 is the path; the other cuts stay the first k layers
        assertEquals(p.get("spearman").asDouble(), r.at("/fixed_cuts/3/quality").asDouble());
        assertTrue(r.at("/fixed_cuts/3/depth_path").asBoolean() && !r.at("/fixed_cuts/4/depth_path").asBoolean());
        assertEquals(r.at("/layers/4/spearman_if_all_exit_here").asDouble(), r.at("/fixed_cuts/4/quality").asDouble());
        assertTrue(p.get("speedup_batch1").isNumber() && p.get("speedup_batch32").isNumber(), p.toString());
        assertEquals(2, r.at("/speed/batch1/policy_ms_median").size(), "one theta and one depth path timed together");
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("## Depth paths") && md.contains("| 4 | 1,3,5,6 |") && md.contains("| 4* |"), md);

        Path beir = tmp.resolve("beir-dial"), beirCut = tmp.resolve("beir-cut");
        for (Path[] m : new Path[][]{{dial, beir}, {cut, beirCut}}) {
            assertEquals(0, run("eval", "retrieval", "--model", m[0].toString(), "--data", "../leap4j-eval/src/test/resources/eval/beir", "--thetas", "0.9",
                    "--speed-sample", "2", "--speed-sample-b32", "4", "--doc-speed-sample", "1", "--repeats", "1", "--threads", "2", "--out", m[1].toString()));
        }
        JsonNode d = new ObjectMapper().readTree(beir.resolve("report.json").toFile()), c = new ObjectMapper().readTree(beirCut.resolve("report.json").toFile());
        JsonNode rp = d.at("/depth_paths/0");
        assertEquals(4, rp.get("depth").asInt());
        assertEquals(c.at("/full_depth/exact/ndcg_at_10").asDouble(), rp.at("/scores/exact/ndcg_at_10").asDouble(), 1e-12, "the path scores as its copy does");
        assertEquals(c.at("/full_depth/exact/mrr_at_10").asDouble(), rp.at("/scores/exact/mrr_at_10").asDouble(), 1e-12);
        assertEquals(rp.at("/scores/exact/ndcg_at_10").asDouble(), d.at("/fixed_cuts/3/quality").asDouble());
        assertTrue(d.at("/fixed_cuts/3/depth_path").asBoolean());
        assertTrue(rp.get("document_speedup_batch32").isNumber() && rp.get("query_speedup_batch1").isNumber(), rp.toString());
        assertTrue(Files.readString(beir.resolve("report.md")).contains("| 4 | 1,3,5,6 |"));
        // queries through the path against documents at full depth: the copy embeds the queries, the original the documents
        BeirData fixture = BeirData.read(Path.of("../leap4j-eval/src/test/resources/eval/beir"), "test");
        try (EarlyExitEncoder full = new EarlyExitEncoder(ModelFolder.load(model), 2); EarlyExitEncoder copy = new EarlyExitEncoder(ModelFolder.load(cut), 2)) {
            double oracle = ndcg10(full.embed(fixture.docTexts(), ExitPolicy.fullDepth(), 8), copy.embed(fixture.queryTexts(), ExitPolicy.fullDepth(), 8), fixture);
            assertEquals(oracle, rp.at("/queries_only_scores/exact/ndcg_at_10").asDouble(), 1e-12);
            assertTrue(oracle != rp.at("/scores/exact/ndcg_at_10").asDouble() || oracle != d.at("/full_depth/exact/ndcg_at_10").asDouble(),
                    "the fixture tells the three settings apart");
        }
    }

    /** Mean nDCG@10 of exact search by dot product (the vectors are unit length): the metric computed by hand. */
    private static double ndcg10(List<Embedding> docs, List<Embedding> queries, BeirData data) {
        double sum = 0;
        for (int q = 0; q < queries.size(); q++) {
            float[] v = queries.get(q).vector();
            Integer[] order = new Integer[docs.size()];
            double[] score = new double[docs.size()];
            for (int i = 0; i < docs.size(); i++) {
                order[i] = i;
                float[] dv = docs.get(i).vector();
                for (int c = 0; c < v.length; c++) score[i] += (double) v[c] * dv[c];
            }
            java.util.Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
            List<String> ranking = java.util.Arrays.stream(order).limit(10).map(i -> data.docIds().get(i)).toList();
            sum += Metrics.ndcgAt(10, ranking, data.qrels().get(data.queryIds().get(q)));
        }
        return sum / queries.size();
    }

    /** A model folder of links to the cached files, so a calibration can be written into it without touching the cache. */
    private Path linkedCopy(String name) throws IOException {
        Path copy = tmp.resolve(name);
        try (var files = Files.walk(model)) {
            for (Path p : files.toList()) {
                Path to = copy.resolve(model.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(to);
                else if (!p.getFileName().toString().equals(dev.leap4j.exit.ExitCalibration.FILE)) Files.createSymbolicLink(to, p.toAbsolutePath());
            }
        }
        return copy;
    }

    @Test
    void calibrateWritesTheVerdictThatEveryEntryPointThenDefaultsTo() throws IOException {
        Path folder = linkedCopy("calibrated");
        for (String maxDrop : List.of("0.5", "0")) {
            Path out = tmp.resolve("cal-" + maxDrop);
            int rc = run("eval", "sts", "--model", folder.toString(), "--data", "../leap4j-eval/src/test/resources/eval/sts", "--thetas", "0.8,0.9",
                    "--max-drop", maxDrop, "--speed-sample", "0", "--threads", "2", "--calibrate", "--out", out.toString());
            assertEquals(0, rc);
            JsonNode rec = new ObjectMapper().readTree(out.resolve("report.json").toFile()).at("/recommendation");
            var calibration = dev.leap4j.exit.ExitCalibration.read(folder);
            assertEquals(1, calibration.entries().size(), "one entry per task, replaced by each run");
            boolean recommended = rec.get("verdict").asText().equalsIgnoreCase("recommended");
            assertEquals(recommended, calibration.recommendsExit(), rec.toString());
            try (EarlyExitEncoder enc = new EarlyExitEncoder(ModelFolder.load(folder), 1)) {
                if (recommended) assertEquals(rec.get("theta").asDouble(), enc.defaultPolicy().theta(), 0.0);
                else assertTrue(!enc.defaultPolicy().monitors(), "not viable: full depth by default");
            }
        }
        assertTrue(Files.notExists(model.resolve(dev.leap4j.exit.ExitCalibration.FILE)), "the cached original is untouched");
    }

    @Test
    void retrievalReportOnTinyBeirFixture() throws IOException {
        Path out = tmp.resolve("beir");
        int rc = run("eval", "retrieval", "--model", model.toString(), "--data", "../leap4j-eval/src/test/resources/eval/beir", "--thetas", "0.9",
                "--search", "both", "--speed-sample", "0", "--doc-speed-sample", "0", "--threads", "2", "--out", out.toString());
        assertEquals(0, rc);
        JsonNode r = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals(12, r.at("/data/queries").asInt());
        double ndcg = r.at("/full_depth/exact/ndcg_at_10").asDouble();
        assertTrue(ndcg > 0.5 && ndcg <= 1, "the relevant abstracts are among 39 documents: " + ndcg);
        assertEquals(1.0, r.at("/full_depth/exact/recall_at_100").asDouble(), 0.0, "top 100 of 39 documents holds every relevant one");
        assertTrue(r.at("/full_depth/hnsw_recall_at_100_vs_exact").asDouble() > 0.99);
        assertTrue(r.at("/thetas/0/mixed/exact/ndcg_at_10").isNumber());
        assertEquals(6, r.get("fixed_cuts").size());
        assertEquals(ndcg, r.at("/fixed_cuts/5/quality").asDouble(), 0.0, "the cut at the last layer is full depth");
        assertTrue(Files.size(out.resolve("quality-vs-layers.png")) > 1000);
        assertTrue(r.at("/speed/documents_batch1").isNull());
        assertTrue(Files.size(out.resolve("exit-histogram.png")) > 1000);
        assertTrue(r.at("/prompts/queries").isObject() && r.at("/prompts/documents").isObject(), r.toString());
        assertEquals("", r.at("/prompts/queries/text").asText(), "all-MiniLM has no prompts");
        assertEquals("", r.at("/prompts/documents/text").asText());
    }

    @Test
    void badInputIsAClearErrorNotANumber() throws IOException {
        Path beir = tmp.resolve("bad");
        Files.createDirectories(beir.resolve("qrels"));
        Files.writeString(beir.resolve("corpus.jsonl"), "{\"_id\": \"d1\", \"text\": \"x\"}\n{\"_id\": \"d2\", \"text\": \n");
        Files.writeString(beir.resolve("queries.jsonl"), "{\"_id\": \"q1\", \"text\": \"y\"}\n");
        Files.writeString(beir.resolve("qrels/test.tsv"), "q1\td1\t1\n");
        StringWriter err = new StringWriter();
        int rc = run(err, "eval", "retrieval", "--model", model.toString(), "--data", beir.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, rc);
        assertTrue(err.toString().startsWith("leap4j: ") && err.toString().contains("corpus.jsonl:2:"), err.toString());
        assertTrue(Files.notExists(tmp.resolve("o")), "no report for bad input");

        err = new StringWriter();
        rc = run(err, "eval", "sts", "--model", model.toString(), "--data", tmp.resolve("none").toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, rc);
        assertTrue(err.toString().contains("sts-test.tsv"), err.toString());
    }

    @Test
    void stsPromptIsAppliedToEverySentenceAndReported() throws IOException {
        Path out = tmp.resolve("sts-prompt");
        int rc = run("eval", "sts", "--model", model.toString(), "--data", "../leap4j-eval/src/test/resources/eval/sts", "--thetas", "0.9",
                "--speed-sample", "0", "--threads", "2", "--prompt-text", "query: ", "--out", out.toString());
        assertEquals(0, rc);
        JsonNode r = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertTrue(r.at("/prompts/sentences/name").isNull(), r.at("/prompts").toString());
        assertEquals("query: ", r.at("/prompts/sentences/text").asText());
        StsData data = StsData.read(Path.of("../leap4j-eval/src/test/resources/eval/sts/sts-test.tsv"));
        assertEquals(tokens(data.withPrefix("query: ").sentences()), r.at("/data/tokens").asLong(), "every sentence was embedded with the prompt");
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("- prompts: sentences: \"query: \" (given as text)"), md);
    }

    @Test
    void retrievalAppliesTheModelsPromptsUnlessOverridden() throws IOException {
        Path prompted = PromptedModel.link(model, tmp.resolve("prompted"),
                "{\"prompts\": {\"query\": \"query: \", \"passage\": \"passage: \"}, \"default_prompt_name\": null}");
        Path out = tmp.resolve("beir-prompts");
        int rc = run("eval", "retrieval", "--model", prompted.toString(), "--data", "../leap4j-eval/src/test/resources/eval/beir", "--thetas", "0.9",
                "--speed-sample", "0", "--doc-speed-sample", "0", "--threads", "2", "--doc-prefix", "", "--out", out.toString());
        assertEquals(0, rc);
        JsonNode r = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals("query", r.at("/prompts/queries/name").asText(), r.at("/prompts").toString());
        assertEquals("query: ", r.at("/prompts/queries/text").asText());
        assertTrue(r.at("/prompts/documents/name").isNull(), "--doc-prefix overrides the model's passage prompt: " + r.at("/prompts"));
        assertEquals("", r.at("/prompts/documents/text").asText());
        BeirData beir = BeirData.read(Path.of("../leap4j-eval/src/test/resources/eval/beir"), "test");
        assertEquals(tokens(beir.queryTexts().stream().map(q -> "query: " + q).toList()), r.at("/data/query_tokens").asLong());
        assertEquals(tokens(beir.docTexts()), r.at("/data/document_tokens").asLong());
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("- prompts: queries: \"query: \" (the model's prompt 'query'); documents: none"), md);
    }

    /** Tokens the model's tokenizer makes of texts, special tokens included (what a report counts). */
    private static long tokens(List<String> texts) throws IOException {
        try (TextTokenizer tok = TextTokenizer.load(model.resolve("tokenizer.json"), ModelFolder.readConfig(model).maxLength())) {
            long n = 0;
            for (String t : texts) n += tok.encode(t).length();
            return n;
        }
    }

    private static double spearman(List<Embedding> e, StsData data) {
        int n = data.pairs().size();
        double[] sims = new double[n];
        for (int i = 0; i < n; i++) {
            float[] a = e.get(i).vector(), b = e.get(n + i).vector();
            for (int c = 0; c < a.length; c++) sims[i] += (double) a[c] * b[c];
        }
        return Metrics.spearman(sims, data.gold());
    }

    private static int run(String... args) {
        return run(new StringWriter(), args);
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }
}
