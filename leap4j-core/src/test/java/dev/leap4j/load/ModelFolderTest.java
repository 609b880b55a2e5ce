package dev.leap4j.load;

import dev.leap4j.model.BertWeightsTest;
import dev.leap4j.model.BertWeights;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.Pooling;
import dev.leap4j.api.ModelFormatException;

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

    /**
     * sentence-transformers 6 saves a Pooling module as {"embedding_dimension": n, "pooling_mode": "cls",
     * "include_prompt": true}, without the pooling_mode_* flags: a bge folder saved that way must stay CLS (read
     * with only the flags in mind, it turned into mean pooling without a word).
     */
    @Test
    void poolingIsReadInSentenceTransformers6FormToo() throws IOException {
        Path dir = writtenModel();
        Path pool = dir.resolve("1_Pooling/config.json");
        Files.writeString(pool, "{\"embedding_dimension\": 8, \"pooling_mode\": \"cls\", \"include_prompt\": true}");
        assertEquals(Pooling.CLS, ModelFolder.readConfig(dir).pooling());
        assertEquals(Pooling.CLS, ModelFolder.load(dir).config().pooling());
        Files.writeString(pool, "{\"embedding_dimension\": 8, \"pooling_mode\": \"mean\", \"include_prompt\": true}");
        assertEquals(Pooling.MEAN, ModelFolder.readConfig(dir).pooling());
        Files.writeString(pool, "{\"pooling_mode\": [\"cls\"]}");
        assertEquals(Pooling.CLS, ModelFolder.readConfig(dir).pooling(), "a list of one mode is that mode");
        Files.writeString(pool, "{\"pooling_mode\": \"cls\", \"pooling_mode_mean_tokens\": true}");
        assertEquals(Pooling.CLS, ModelFolder.readConfig(dir).pooling(), "pooling_mode wins over the flags, as in sentence-transformers");
        Files.writeString(pool, "{\"pooling_mode_cls_token\": false, \"pooling_mode_mean_tokens\": false}");
        assertEquals(Pooling.MEAN, ModelFolder.readConfig(dir).pooling(), "no mode set means mean, as in sentence-transformers");

        // modes the engine cannot compute, and several modes (whose vectors would be concatenated), are refused
        for (String bad : new String[]{"{\"pooling_mode\": \"max\"}", "{\"pooling_mode\": \"lasttoken\"}",
                "{\"pooling_mode\": [\"cls\", \"mean\"]}", "{\"pooling_mode\": []}", "{\"pooling_mode\": 7}",
                "{\"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": true}", "[]"}) {
            Files.writeString(pool, bad);
            String m = assertThrows(ModelFormatException.class, () -> ModelFolder.readConfig(dir), bad).getMessage();
            assertTrue(m.contains(pool.toString()), "names the file: " + m);
        }
    }

    /**
     * Settings that would make sentence-transformers compute other vectors than the engine are refused, each naming
     * its file: a module the engine does not run (Dense), lower-casing the texts, and mean pooling without the
     * prompt's tokens. Their harmless values still load.
     */
    @Test
    void settingsTheEngineDoesNotComputeAreRefused() throws IOException {
        Path dir = writtenModel();
        Path modules = dir.resolve("modules.json"), st = dir.resolve("sentence_bert_config.json"), pool = dir.resolve("1_Pooling/config.json");
        String kept = Files.readString(modules);
        Files.writeString(modules, kept.replace("]", ", {\"idx\": 3, \"name\": \"3\", \"path\": \"3_Dense\", \"type\": \"sentence_transformers.models.Dense\"}]"));
        String m = assertThrows(ModelFormatException.class, () -> ModelFolder.load(dir)).getMessage();
        assertTrue(m.contains(modules.toString()) && m.contains("Dense"), m);
        Files.writeString(modules, "{}");
        m = assertThrows(ModelFormatException.class, () -> ModelFolder.load(dir)).getMessage();
        assertTrue(m.contains(modules.toString()), m);
        Files.writeString(modules, kept);

        Files.writeString(st, "{\"max_seq_length\": 12, \"do_lower_case\": true}");
        m = assertThrows(ModelFormatException.class, () -> ModelFolder.load(dir)).getMessage();
        assertTrue(m.contains(st.toString()) && m.contains("do_lower_case"), m);
        Files.writeString(st, "{\"max_seq_length\": 12, \"do_lower_case\": false}");
        assertEquals(12, ModelFolder.load(dir).config().maxLength());

        Files.writeString(pool, "{\"pooling_mode\": \"mean\", \"include_prompt\": false}");
        m = assertThrows(ModelFormatException.class, () -> ModelFolder.load(dir)).getMessage();
        assertTrue(m.contains(pool.toString()) && m.contains("include_prompt"), m);
        Files.writeString(pool, "{\"pooling_mode\": \"mean\", \"include_prompt\": true}");
        assertEquals(Pooling.MEAN, ModelFolder.load(dir).config().pooling());
    }

    /**
     * sentence-transformers 6 saves the max length as the tokenizer's model_max_length in tokenizer_config.json and
     * leaves it out of sentence_bert_config.json; older versions (and leap4j) put it in sentence_bert_config.json,
     * which wins when present, as in sentence-transformers.
     */
    @Test
    void maxLengthComesFromTokenizerConfigWhenSentenceBertConfigHasNone() throws IOException {
        Path dir = writtenModel(); // max_position_embeddings 16, max_seq_length 12
        Path st = dir.resolve("sentence_bert_config.json");
        Path tok = dir.resolve("tokenizer_config.json");
        assertEquals(12, ModelFolder.readConfig(dir).maxLength());
        Files.writeString(tok, "{\"model_max_length\": 10, \"do_lower_case\": true}");
        assertEquals(12, ModelFolder.readConfig(dir).maxLength(), "sentence_bert_config.json's max_seq_length wins");
        Files.writeString(st, "{\"transformer_task\": \"feature-extraction\"}");
        assertEquals(10, ModelFolder.readConfig(dir).maxLength());
        assertEquals(10, ModelFolder.load(dir).config().maxLength());
        Files.writeString(st, "{\"max_seq_length\": null}");
        assertEquals(10, ModelFolder.readConfig(dir).maxLength(), "a null max_seq_length defers to the tokenizer");
        Files.writeString(tok, "{\"model_max_length\": 1000000000000000019884624838656}");
        assertEquals(16, ModelFolder.readConfig(dir).maxLength(), "transformers' 'no limit' is max_position_embeddings");
        Files.writeString(tok, "{\"model_max_length\": 1e30}");
        assertEquals(16, ModelFolder.readConfig(dir).maxLength());
        Files.delete(tok);
        assertEquals(16, ModelFolder.readConfig(dir).maxLength(), "neither file says: max_position_embeddings");

        for (String bad : new String[]{"\"long\"", "1", "0", "-5", "10.5", "true"}) {
            Files.writeString(tok, "{\"model_max_length\": " + bad + "}");
            String m = assertThrows(ModelFormatException.class, () -> ModelFolder.readConfig(dir), bad).getMessage();
            assertTrue(m.contains(tok.toString()) && m.contains("model_max_length"), "names the file and the field: " + m);
        }
        Files.writeString(st, "{\"max_seq_length\": \"256\"}");
        String m = assertThrows(ModelFormatException.class, () -> ModelFolder.readConfig(dir)).getMessage();
        assertTrue(m.contains(st.toString()) && m.contains("max_seq_length"), m);
    }
}
