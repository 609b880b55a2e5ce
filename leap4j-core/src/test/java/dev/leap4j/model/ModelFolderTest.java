package dev.leap4j.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFolderTest {
    @TempDir
    Path tmp;
    private final long seed = dev.leap4j.TestSeed.next();
    private final SplittableRandom rnd = new SplittableRandom(seed);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path tokenizerFile(String content) throws IOException {
        Path t = Files.createTempFile(tmp, "tok", ".json");
        Files.writeString(t, content);
        return t;
    }

    private BertConfig randomConfig() {
        BertWeightsTest h = new BertWeightsTest();
        return h.randomConfig();
    }

    private List<Path> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void writeThenLoadRoundTripsConfigHeadAndWeights() throws IOException {
        for (int trial = 0; trial < 3; trial++) {
            BertConfig c = randomConfig();
            BertWeights w = BertWeights.random(c, rnd.nextLong());
            Path dir = tmp.resolve("models").resolve("m" + trial);
            ModelFolder.write(dir, c, w, tokenizerFile("{\"tok\": " + trial + "}"));
            ModelFolder m = ModelFolder.load(dir);
            assertEquals(c, m.config(), "seed " + seed);
            BertWeightsTest.assertSameWeights(w, m.weights(), "folder round trip (seed " + seed + ")");
            assertEquals("{\"tok\": " + trial + "}", Files.readString(m.tokenizerJson()));
            var cfg = JSON.readTree(dir.resolve("config.json").toFile());
            assertEquals("bert", cfg.get("model_type").asText());
            assertEquals(c.hidden(), cfg.get("hidden_size").asInt());
            assertEquals(c.numLayers(), cfg.get("num_hidden_layers").asInt());
            assertEquals("gelu", cfg.get("hidden_act").asText());
            assertEquals(c.maxLength(), JSON.readTree(dir.resolve("sentence_bert_config.json").toFile()).get("max_seq_length").asInt());
        }
    }

    @Test
    void writeReplacesAnExistingFolderAtomicallyAndLeavesNoDebris() throws IOException {
        BertConfig c = randomConfig();
        Path parent = tmp.resolve("out");
        Path dir = parent.resolve("model");
        ModelFolder.write(dir, c, BertWeights.random(c, 1), tokenizerFile("first"));
        Files.writeString(dir.resolve("stale.txt"), "left over from an older model");
        BertConfig c2 = c.withLayers(c.numLayers() + 1);
        BertWeights w2 = BertWeights.random(c2, 2);
        ModelFolder.write(dir, c2, w2, tokenizerFile("second"));
        ModelFolder m = ModelFolder.load(dir);
        assertEquals(c2, m.config());
        BertWeightsTest.assertSameWeights(w2, m.weights(), "replaced");
        assertEquals("second", Files.readString(dir.resolve("tokenizer.json")));
        assertTrue(Files.notExists(dir.resolve("stale.txt")), "the old folder is replaced, not merged");
        assertEquals(List.of(dir), listing(parent), "no temporary or old folders left");

        // a failed write (the tokenizer to copy does not exist) leaves the existing model untouched
        Path missingTokenizer = tmp.resolve("no-such-tokenizer.json");
        assertThrows(IOException.class, () -> ModelFolder.write(dir, c, BertWeights.random(c, 3), missingTokenizer));
        assertEquals(c2, ModelFolder.load(dir).config());
        assertEquals(List.of(dir), listing(parent), "a failed write leaves no debris");
    }

    private Path writtenModel() throws IOException {
        BertConfig c = new BertConfig(20, 8, 1, 2, 16, 16, 2, 1e-12f, Pooling.MEAN, true, 12);
        Path dir = Files.createTempDirectory(tmp, "m");
        ModelFolder.write(dir, c, BertWeights.random(c, 7), tokenizerFile("{}"));
        return dir;
    }

    private String configError(Consumer<ObjectNode> edit) throws IOException {
        Path dir = writtenModel();
        Path cfg = dir.resolve("config.json");
        ObjectNode node = (ObjectNode) JSON.readTree(cfg.toFile());
        edit.accept(node);
        JSON.writeValue(cfg.toFile(), node);
        String m = assertThrows(ModelFormatException.class, () -> ModelFolder.load(dir)).getMessage();
        assertTrue(m.contains(cfg.toString()), "names the file: " + m);
        return m;
    }

    @Test
    void configErrorsNameTheFileAndTheField() throws IOException {
        String m = configError(n -> n.remove("hidden_size"));
        assertTrue(m.contains("hidden_size"), m);
        m = configError(n -> n.put("num_attention_heads", "twelve"));
        assertTrue(m.contains("num_attention_heads"), m);
        m = configError(n -> n.put("model_type", "roberta"));
        assertTrue(m.contains("roberta"), m);
        m = configError(n -> n.put("hidden_act", "gelu_new"));
        assertTrue(m.contains("gelu_new"), m);
        m = configError(n -> n.put("position_embedding_type", "relative_key"));
        assertTrue(m.contains("relative_key"), m);
        m = configError(n -> n.put("num_attention_heads", 3));
        assertTrue(m.contains("not divisible"), m);

        Path dir = writtenModel();
        Files.writeString(dir.resolve("config.json"), "{\"vocab_size\": ");
        m = assertThrows(ModelFormatException.class, () -> ModelFolder.load(dir)).getMessage();
        assertTrue(m.contains("config.json") && m.contains("not valid JSON"), m);
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        for (String f : new String[]{"config.json", "tokenizer.json", "model.safetensors"}) {
            Path dir = writtenModel();
            Files.delete(dir.resolve(f));
            String m = assertThrows(ModelFormatException.class, () -> ModelFolder.load(dir)).getMessage();
            assertTrue(m.contains(dir.resolve(f).toString()), m);
        }
        Path nowhere = tmp.resolve("nowhere");
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelFolder.load(nowhere)).getMessage().contains(nowhere.toString()));
    }

    @Test
    void poolingAndMaxLengthComeFromSentenceTransformersFiles() throws IOException {
        Path dir = writtenModel();
        assertEquals(Pooling.MEAN, ModelFolder.readConfig(dir).pooling());
        assertTrue(ModelFolder.readConfig(dir).normalize());
        Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": false}");
        Files.writeString(dir.resolve("modules.json"), "[]");
        Files.writeString(dir.resolve("sentence_bert_config.json"), "{\"max_seq_length\": 1000}");
        BertConfig c = ModelFolder.readConfig(dir);
        assertEquals(Pooling.CLS, c.pooling());
        assertEquals(false, c.normalize());
        assertEquals(16, c.maxLength(), "max_seq_length is capped at max_position_embeddings");
        Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"pooling_mode_cls_token\": false, \"pooling_mode_mean_tokens\": false, \"pooling_mode_max_tokens\": true}");
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelFolder.readConfig(dir)).getMessage().contains("1_Pooling"));
    }
}
