package dev.leap4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leap4j.load.BuiltinModel;
import dev.leap4j.tokenize.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbedCommandTest {
    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private Path input(byte[] content) throws IOException {
        Path f = Files.createTempFile(tmp, "input", ".txt");
        Files.write(f, content);
        return f;
    }

    private static final List<String> LINES = List.of("A man is playing a guitar.", "?", "東京は日本の首都です。 🚀",
            "The quick brown fox jumps over the lazy dog. ".repeat(30), "ok");

    @Test
    void embedWritesOneJsonLinePerInputInOrder() throws IOException {
        Path in = input((String.join("\n", LINES) + "\n").getBytes(StandardCharsets.UTF_8));
        Path outFile = tmp.resolve("out.jsonl");
        CliRun r = run("embed", "--model", "all-minilm-l6-v2", "--input", in.toString(), "--output", outFile.toString(),
                "--batch-size", "2", "--threads", "2", "--theta", "2", "--min-layer", "2");
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(outFile).stream().filter(l -> !l.isBlank()).toList();
        assertEquals(LINES.size(), lines.size());
        ObjectMapper json = new ObjectMapper();
        try (TextTokenizer tok = TextTokenizer.load(Main.cacheDir().resolve("all-minilm-l6-v2").resolve("tokenizer.json"), 256)) {
            for (int i = 0; i < lines.size(); i++) {
                JsonNode n = json.readTree(lines.get(i));
                List<String> fields = new ArrayList<>();
                for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) fields.add(it.next());
                assertEquals(List.of("index", "exit_layer", "tokens", "truncated", "embedding"), fields);
                assertEquals(i, n.get("index").asInt());
                assertEquals(6, n.get("exit_layer").asInt(), "theta > 1 runs every layer");
                assertEquals(tok.encode(LINES.get(i)).length(), n.get("tokens").asInt(), "line " + i);
                assertEquals(i == 3, n.get("truncated").asBoolean(), "line " + i);
                assertEquals(384, n.get("embedding").size());
                double norm = 0;
                for (JsonNode v : n.get("embedding")) norm += v.asDouble() * v.asDouble();
                assertEquals(1.0, Math.sqrt(norm), 1e-5, "embeddings are normalised");
            }
        }

    }

    @Test
    void callerMistakesGiveANonZeroCodeAndAClearMessage() throws IOException {
        Path in = input("hello\n".getBytes(StandardCharsets.UTF_8));
        String out = tmp.resolve("o.jsonl").toString();

        CliRun r = run("embed", "--model", "no-such-model", "--input", in.toString(), "--output", out);
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("unknown model 'no-such-model'") && r.err().contains("all-minilm-l6-v2"), r.err());

        r = run("embed", "--model", "all-minilm-l6-v2", "--theta", "-0.5", "--input", in.toString(), "--output", out);
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("theta"), r.err());

        r = run("embed", "--model", "all-minilm-l6-v2", "--theta", "abc", "--input", in.toString(), "--output", out);
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--theta"), r.err());

        r = run("embed", "--model", "all-minilm-l6-v2", "--min-layer", "7", "--input", in.toString(), "--output", out);
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--min-layer 7 exceeds the model's 6 layers"), r.err());

        Path missing = tmp.resolve("missing.txt");
        r = run("embed", "--model", "all-minilm-l6-v2", "--input", missing.toString(), "--output", out);
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("cannot read input file") && r.err().contains(missing.toString()), r.err());

        r = run("embed", "--model", "all-minilm-l6-v2", "--input", in.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--output"), r.err());

        r = run("embed", "--model", "all-minilm-l6-v2", "--depth", "7", "--input", in.toString(), "--output", out);
        assertEquals(2, r.code());
        assertEquals("leap4j: --depth 7 is out of range: this model has layers 1..6", r.err().strip());

        r = run("embed", "--model", "all-minilm-l6-v2", "--weights", "int4", "--input", in.toString(), "--output", out);
        assertEquals(2, r.code());
        assertEquals("leap4j: --weights 'int4' is not one of fp32, int8", r.err().strip());
    }

    @Test
    void int8WeightsGiveCloseVectorsTheSameAloneAndInABatch() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> fp32 = embedded(PROMPTED, "--model", "all-minilm-l6-v2");
        List<String> int8 = embedded(PROMPTED, "--model", "all-minilm-l6-v2", "--weights", "INT8");
        assertEquals(int8, embedded(PROMPTED, "--model", "all-minilm-l6-v2", "--weights", "int8", "--batch-size", "1"),
                "int8 gives the same floats alone or in a batch");
        assertEquals(fp32.size(), int8.size());
        for (int i = 0; i < fp32.size(); i++) {
            var a = json.readTree(fp32.get(i)).get("embedding"); var b = json.readTree(int8.get(i)).get("embedding");
            double dot = 0, na = 0, nb = 0;
            for (int c = 0; c < a.size(); c++) {
                dot += a.get(c).asDouble() * b.get(c).asDouble();
                na += a.get(c).asDouble() * a.get(c).asDouble();
                nb += b.get(c).asDouble() * b.get(c).asDouble();
            }
            double cos = dot / Math.sqrt(na * nb);
            assertTrue(cos >= 0.995 && cos < 1, "line " + i + ": int8 at cosine " + cos + " to fp32, close but not equal");
        }
    }

    @Test
    void aFileThatCannotBeWrittenIsAnIoErrorWithItsOwnExitCode() throws IOException {
        Path in = input("hello\n".getBytes(StandardCharsets.UTF_8));
        Path out = tmp.resolve("no-such-folder").resolve("out.jsonl");
        CliRun r = run("embed", "--model", "all-minilm-l6-v2", "--input", in.toString(), "--output", out.toString());
        assertEquals(5, r.code(), r.err());
        assertTrue(r.err().startsWith("leap4j: I/O error: NoSuchFileException: ") && r.err().contains(out.toString()), r.err());
        assertTrue(!r.err().contains("\tat "), "one line, no stack trace: " + r.err());
    }

    @Test
    void anEmptyOrBlankLineIsRefusedNamingItAndNothingIsWritten() throws IOException {
        Path out = tmp.resolve("blank.jsonl");
        for (String text : List.of("first\n\nthird\n", "first\n  \t\nthird\n")) {
            CliRun r = run("embed", "--model", "all-minilm-l6-v2", "--input", input(text.getBytes(StandardCharsets.UTF_8)).toString(), "--output", out.toString());
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains(": line 2 is ") && r.err().contains("every input needs text to embed"), r.err());
            assertTrue(!Files.exists(out), "refused before any output");
        }
    }

    @Test
    void stockModelsRunFullDepthByDefaultAndDepthCapsTheRun() throws IOException {
        ObjectMapper json = new ObjectMapper();
        for (String line : embedded(PROMPTED, "--model", "all-minilm-l6-v2")) assertEquals(6, json.readTree(line).get("exit_layer").asInt());
        List<String> capped = embedded(PROMPTED, "--model", "all-minilm-l6-v2", "--depth", "4");
        for (String line : capped) assertEquals(4, json.readTree(line).get("exit_layer").asInt());
        assertEquals(capped, embedded(PROMPTED, "--model", "all-minilm-l6-v2", "--depth", "4", "--theta", "2", "--batch-size", "1"),
                "a depth cap gives the same floats alone or in a batch");
    }

    @Test
    void nonUtf8InputNamesTheLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("first line\nsecond line\n".getBytes(StandardCharsets.UTF_8));
        b.write(0xff);
        b.writeBytes(" third line, not UTF-8\nfourth\n".getBytes(StandardCharsets.UTF_8));
        Path in = input(b.toByteArray());
        CliRun r = run("embed", "--model", "all-minilm-l6-v2", "--input", in.toString(), "--output", tmp.resolve("o.jsonl").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("line 3") && r.err().contains("UTF-8"), r.err());
    }

    @Test
    void linesSplitLikeBufferedReader() throws IOException {
        String text = "one\r\ntwo\rthree\n\nfünf 東京\n";
        assertEquals(List.of("one", "two", "three", "", "fünf 東京"), EmbedCommand.readLines(input(text.getBytes(StandardCharsets.UTF_8)).toString()));
        assertEquals(List.of("a", "b"), EmbedCommand.readLines(input("a\nb".getBytes(StandardCharsets.UTF_8)).toString()));
        assertEquals(List.of(), EmbedCommand.readLines(input(new byte[0]).toString()));
        assertEquals(List.of(""), EmbedCommand.readLines(input("\n".getBytes(StandardCharsets.UTF_8)).toString()));
        byte[] lastBad = {'o', 'k', '\n', 'x', (byte) 0xc3};
        String m = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> EmbedCommand.readLines(input(lastBad).toString())).getMessage();
        assertTrue(m.contains("line 2"), m);
    }

    private static final List<String> PROMPTED = List.of("A man is playing a guitar.", "東京は日本の首都です。", "ok");

    private List<String> embedded(List<String> texts, String... options) throws IOException {
        return CliRun.embedded(tmp, texts, options);
    }

    private static List<String> prefixed(String prefix, List<String> texts) {
        return texts.stream().map(t -> prefix + t).toList();
    }

    @Test
    void promptTextGivesTheVectorsOfThePrefixedText() throws IOException {
        List<String> withPrompt = embedded(PROMPTED, "--model", "all-minilm-l6-v2", "--prompt-text", "query: ");
        assertEquals(embedded(prefixed("query: ", PROMPTED), "--model", "all-minilm-l6-v2"), withPrompt,
                "the prompt goes before the text ahead of tokenization: same tokens, exit layers and floats");
        assertNotEquals(embedded(PROMPTED, "--model", "all-minilm-l6-v2"), withPrompt, "the prompt is not ignored");
    }

    @Test
    void promptNamesAndTheDefaultPromptComeFromTheModelFolder() throws IOException {
        Path model = PromptedModel.link(BuiltinModel.ALL_MINILM_L6_V2.folder(Main.cacheDir()), tmp.resolve("prompted"),
                "{\"prompts\": {\"query\": \"query: \", \"passage\": \"passage: \"}, \"default_prompt_name\": \"query\"}");
        String m = model.toString();
        assertEquals(embedded(prefixed("passage: ", PROMPTED), "--model", "all-minilm-l6-v2"), embedded(PROMPTED, "--model", m, "--prompt", "passage"));
        assertEquals(embedded(prefixed("query: ", PROMPTED), "--model", "all-minilm-l6-v2"), embedded(PROMPTED, "--model", m),
                "default_prompt_name applies when no prompt is asked for");
        assertEquals(embedded(PROMPTED, "--model", "all-minilm-l6-v2"), embedded(PROMPTED, "--model", m, "--prompt-text", ""),
                "an empty --prompt-text turns the default prompt off");

        Path in = input("hello\n".getBytes(StandardCharsets.UTF_8));
        CliRun r = run("embed", "--model", m, "--prompt", "document", "--input", in.toString(), "--output", tmp.resolve("o.jsonl").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown prompt 'document'") && r.err().contains("'query', 'passage'"), r.err());
    }

    @Test
    void promptMistakesAreOneActionableLine() throws IOException {
        Path in = input("hello\n".getBytes(StandardCharsets.UTF_8));
        String out = tmp.resolve("o.jsonl").toString();
        CliRun r = run("embed", "--model", "all-minilm-l6-v2", "--prompt", "query", "--prompt-text", "query: ", "--input", in.toString(), "--output", out);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--prompt and --prompt-text") && r.err().contains("not both"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());

        r = run("embed", "--model", "all-minilm-l6-v2", "--prompt", "query", "--input", in.toString(), "--output", out);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown prompt 'query'") && r.err().contains("defines no prompts") && r.err().contains("--prompt-text"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void aCorruptModelFileHasItsOwnExitCodeAndNamesTheFile() throws IOException {
        Path model = tmp.resolve("corrupt-model");
        Files.createDirectories(model);
        Path source = dev.leap4j.load.BuiltinModel.ALL_MINILM_L6_V2.folder(Main.cacheDir());
        for (String f : new String[]{"config.json", "tokenizer.json", "modules.json", "sentence_bert_config.json"}) {
            Files.copy(source.resolve(f), model.resolve(f));
        }
        Files.write(model.resolve("model.safetensors"), new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
        CliRun r = run("embed", "--model", model.toString(), "--input", input("hello\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString(),
                "--output", tmp.resolve("corrupt.jsonl").toString());
        assertEquals(4, r.code(), r.err());
        assertTrue(r.err().startsWith("leap4j: cannot use the model: ") && r.err().contains("model.safetensors"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
    }
}
