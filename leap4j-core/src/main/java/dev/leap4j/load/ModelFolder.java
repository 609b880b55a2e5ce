package dev.leap4j.load;

import dev.leap4j.model.BertWeights;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.Pooling;
import dev.leap4j.api.ModelFormatException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Hugging Face / sentence-transformers model folder: config.json, model.safetensors, tokenizer.json, the
 * sentence-transformers module files (modules.json, 1_Pooling/config.json, sentence_bert_config.json) and its
 * prompts (config_sentence_transformers.json, optional).
 */
public record ModelFolder(Path dir, BertConfig config, BertWeights weights, Path tokenizerJson, Prompts prompts) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public ModelFolder {
        java.util.Objects.requireNonNull(prompts, "prompts (Prompts.NONE for none)");
    }

    /** A model assembled in memory whose inputs take no prompt. */
    public ModelFolder(Path dir, BertConfig config, BertWeights weights, Path tokenizerJson) {
        this(dir, config, weights, tokenizerJson, Prompts.NONE);
    }

    public static ModelFolder load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new ModelFormatException("model folder " + dir + " does not exist");
        BertConfig config = readConfig(dir);
        Path tok = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tok)) throw new ModelFormatException("missing model file " + tok);
        Prompts prompts = Prompts.read(dir);
        BertWeights w = BertWeights.fromHuggingFace(config, Safetensors.read(dir.resolve("model.safetensors")),
                dir.resolve("model.safetensors").toString());
        return new ModelFolder(dir, config, w, tok, prompts);
    }

    public static BertConfig readConfig(Path dir) throws IOException {
        Path cfgFile = dir.resolve("config.json");
        JsonNode c = readJson(cfgFile, true);
        String type = c.path("model_type").asText("bert");
        if (!type.equals("bert")) throw new ModelFormatException(cfgFile + ": model_type '" + type + "' is not supported (bert only)");
        String act = c.path("hidden_act").asText("gelu");
        if (!act.equals("gelu")) throw new ModelFormatException(cfgFile + ": hidden_act '" + act + "' is not supported (exact gelu only)");
        String posType = c.path("position_embedding_type").asText("absolute");
        if (!posType.equals("absolute")) throw new ModelFormatException(cfgFile + ": position_embedding_type '" + posType + "' is not supported");
        Pooling pooling = readPooling(dir.resolve("1_Pooling").resolve("config.json"));
        boolean normalize = readNormalize(dir.resolve("modules.json"));
        int maxPos = req(c, "max_position_embeddings", cfgFile);
        // the Transformer module's settings, read once for both checks
        Path stFile = dir.resolve("sentence_bert_config.json");
        JsonNode st = readJson(stFile, false);
        refuseLowerCasing(st, stFile);
        int maxLen = readMaxLength(dir, st, maxPos);
        try {
            return new BertConfig(req(c, "vocab_size", cfgFile), req(c, "hidden_size", cfgFile), req(c, "num_hidden_layers", cfgFile),
                    req(c, "num_attention_heads", cfgFile), req(c, "intermediate_size", cfgFile), maxPos,
                    c.path("type_vocab_size").asInt(2), (float) c.path("layer_norm_eps").asDouble(1e-12),
                    pooling, normalize, maxLen);
        } catch (ModelFormatException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(cfgFile + ": " + e.getMessage());
        }
    }

    /** sentence-transformers modules the engine computes; any other (Dense, LayerNorm, ...) would change the vectors. */
    private static final List<String> MODULES = List.of("Transformer", "Pooling", "Normalize");

    /**
     * Whether modules.json ends in a Normalize module. A module the engine does not compute is refused: skipping
     * it would return vectors that differ from the model's own without a word.
     */
    static boolean readNormalize(Path file) throws IOException {
        JsonNode modules = readJson(file, false);
        if (modules == null) return false;
        if (!modules.isArray()) throw new ModelFormatException(file + ": expected a JSON list of modules");
        boolean normalize = false;
        for (JsonNode m : modules) {
            String type = m.path("type").asText("");
            String kind = type.substring(type.lastIndexOf('.') + 1);
            if (!MODULES.contains(kind)) {
                throw new ModelFormatException(file + ": module '" + type + "' (" + m.path("path").asText("") + ") is not supported: leap4j computes "
                        + String.join(", ", MODULES) + " only");
            }
            if (kind.equals("Normalize")) normalize = true;
        }
        return normalize;
    }

    /** sentence-transformers lower-cases every text before tokenizing when this is set; the engine does not. */
    static void refuseLowerCasing(JsonNode st, Path file) {
        if (st != null && st.path("do_lower_case").asBoolean(false)) {
            throw new ModelFormatException(file + ": do_lower_case true is not supported (texts would have to be lower-cased before tokenizing)");
        }
    }

    /** sentence-transformers' legacy pooling flags and their modes, in the order it concatenates their vectors. */
    private static final List<Map.Entry<String, String>> LEGACY_POOLING_FLAGS = List.of(
            Map.entry("pooling_mode_cls_token", "cls"),
            Map.entry("pooling_mode_max_tokens", "max"),
            Map.entry("pooling_mode_mean_tokens", "mean"),
            Map.entry("pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len_tokens"),
            Map.entry("pooling_mode_weightedmean_tokens", "weightedmean"),
            Map.entry("pooling_mode_lasttoken", "lasttoken"));

    /**
     * The pooling of a sentence-transformers Pooling config in either of its forms, read as sentence-transformers
     * reads it: {@code "pooling_mode": "cls"} (or a list of modes), which sentence-transformers 6 writes, wins;
     * otherwise one {@code pooling_mode_*} flag per mode, which older versions and leap4j write. No mode at all
     * means mean. Several modes would concatenate their vectors, which the engine does not do, so they are refused
     * rather than read as one of them.
     */
    static Pooling readPooling(Path file) throws IOException {
        JsonNode pool = readJson(file, false);
        if (pool == null) return Pooling.MEAN;
        if (!pool.isObject()) throw new ModelFormatException(file + ": expected a JSON object");
        if (!pool.path("include_prompt").asBoolean(true)) {
            throw new ModelFormatException(file + ": include_prompt false is not supported (the engine pools the prompt's tokens too)");
        }
        List<String> modes = new ArrayList<>();
        JsonNode mode = pool.get("pooling_mode");
        if (mode != null && !mode.isNull()) {
            if (mode.isTextual()) modes.add(mode.textValue());
            else if (mode.isArray() && !mode.isEmpty()) {
                for (JsonNode m : mode) {
                    if (!m.isTextual()) throw new ModelFormatException(file + ": 'pooling_mode' must be a string or a non-empty list of strings");
                    modes.add(m.textValue());
                }
            } else throw new ModelFormatException(file + ": 'pooling_mode' must be a string or a non-empty list of strings");
        } else {
            for (Map.Entry<String, String> f : LEGACY_POOLING_FLAGS) if (pool.path(f.getKey()).asBoolean(false)) modes.add(f.getValue());
            if (modes.isEmpty()) modes.add("mean");
        }
        if (modes.size() == 1 && modes.get(0).equals("mean")) return Pooling.MEAN;
        if (modes.size() == 1 && modes.get(0).equals("cls")) return Pooling.CLS;
        throw new ModelFormatException(file + ": pooling " + String.join(" + ", modes) + " is not supported (mean or cls only)");
    }

    /**
     * Tokens kept per input, decided as sentence-transformers decides it: sentence_bert_config.json's
     * max_seq_length (where older versions and leap4j put it), else the tokenizer's model_max_length in
     * tokenizer_config.json (where sentence-transformers 6 saves it), else max_position_embeddings; never more
     * than max_position_embeddings. Reading only the first, a folder saved by sentence-transformers 6 from
     * all-MiniLM-L6-v2 (256) kept 512 tokens. st: sentence_bert_config.json's content, null if the folder has none.
     */
    static int readMaxLength(Path dir, JsonNode st, int maxPositions) throws IOException {
        if (st != null && st.hasNonNull("max_seq_length")) {
            return maxLength(st.get("max_seq_length"), dir.resolve("sentence_bert_config.json"), "max_seq_length", maxPositions);
        }
        Path tokFile = dir.resolve("tokenizer_config.json");
        JsonNode tok = readJson(tokFile, false);
        if (tok != null && tok.hasNonNull("model_max_length")) return maxLength(tok.get("model_max_length"), tokFile, "model_max_length", maxPositions);
        return maxPositions;
    }

    private static int maxLength(JsonNode v, Path file, String field, int maxPositions) {
        // transformers writes "no limit" as a huge number (about 1e30), so compare as double before narrowing
        double d = v.isNumber() ? v.doubleValue() : Double.NaN;
        if (!(d >= 2) || d != Math.floor(d)) throw new ModelFormatException(file + ": '" + field + "' must be a whole number >= 2, got " + v);
        return (int) Math.min(d, maxPositions);
    }

    private static int req(JsonNode c, String field, Path file) {
        if (!c.has(field) || !c.get(field).canConvertToInt()) throw new ModelFormatException(file + ": missing or non-integer '" + field + "'");
        return c.get(field).asInt();
    }

    static JsonNode readJson(Path f, boolean required) throws IOException {
        if (!Files.isRegularFile(f)) {
            if (required) throw new ModelFormatException("missing model file " + f);
            return null;
        }
        try {
            return JSON.readTree(f.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new ModelFormatException(f + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /**
     * {@link #write(Path, BertConfig, BertWeights, Path, Prompts)} with the prompts of the folder the tokenizer
     * comes from: prompts, like the tokenizer, shape the text before the model sees it, so a model written from
     * another one's tokenizer (training writes the student's) keeps that model's prompts.
     */
    public static void write(Path dir, BertConfig config, BertWeights weights, Path tokenizerJson) throws IOException {
        write(dir, config, weights, tokenizerJson, Prompts.read(tokenizerJson.toAbsolutePath().getParent()));
    }

    /**
     * Writes a complete model folder to {@code dir} atomically: everything goes to a sibling temporary folder
     * that is renamed into place, so a reader never sees half a model. An existing {@code dir} is replaced.
     */
    public static void write(Path dir, BertConfig config, BertWeights weights, Path tokenizerJson, Prompts prompts) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + dir.getFileName() + ".tmp");
        try {
            writeConfigFiles(tmp, config);
            prompts.write(tmp);
            Files.copy(tokenizerJson, tmp.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
            Safetensors.write(tmp.resolve("model.safetensors"), weights.toHuggingFace());
            Path old = null;
            if (Files.exists(dir)) {
                old = parent.resolve("." + dir.getFileName() + ".old" + System.nanoTime());
                Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                if (old != null) Files.move(old, dir, StandardCopyOption.ATOMIC_MOVE);
                throw e;
            }
            if (old != null) deleteTree(old);
        } finally {
            if (Files.exists(tmp)) deleteTree(tmp);
        }
    }

    static void writeConfigFiles(Path dir, BertConfig c) throws IOException {
        ObjectNode cfg = JSON.createObjectNode();
        cfg.putArray("architectures").add("BertModel");
        cfg.put("model_type", "bert");
        cfg.put("vocab_size", c.vocabSize());
        cfg.put("hidden_size", c.hidden());
        cfg.put("num_hidden_layers", c.numLayers());
        cfg.put("num_attention_heads", c.numHeads());
        cfg.put("intermediate_size", c.intermediate());
        cfg.put("hidden_act", "gelu");
        cfg.put("hidden_dropout_prob", 0.1);
        cfg.put("attention_probs_dropout_prob", 0.1);
        cfg.put("max_position_embeddings", c.maxPositions());
        cfg.put("type_vocab_size", c.typeVocabSize());
        cfg.put("initializer_range", 0.02);
        cfg.put("layer_norm_eps", (double) c.layerNormEps());
        cfg.put("pad_token_id", 0);
        cfg.put("position_embedding_type", "absolute");
        cfg.put("torch_dtype", "float32");
        JSON.writeValue(dir.resolve("config.json").toFile(), cfg);

        ArrayNode modules = JSON.createArrayNode();
        modules.addObject().put("idx", 0).put("name", "0").put("path", "").put("type", "sentence_transformers.models.Transformer");
        modules.addObject().put("idx", 1).put("name", "1").put("path", "1_Pooling").put("type", "sentence_transformers.models.Pooling");
        if (c.normalize()) {
            modules.addObject().put("idx", 2).put("name", "2").put("path", "2_Normalize").put("type", "sentence_transformers.models.Normalize");
            Files.createDirectories(dir.resolve("2_Normalize"));
        }
        JSON.writeValue(dir.resolve("modules.json").toFile(), modules);
        Files.createDirectories(dir.resolve("1_Pooling"));
        ObjectNode pool = JSON.createObjectNode();
        pool.put("word_embedding_dimension", c.hidden());
        pool.put("pooling_mode_cls_token", c.pooling() == Pooling.CLS);
        pool.put("pooling_mode_mean_tokens", c.pooling() == Pooling.MEAN);
        pool.put("pooling_mode_max_tokens", false);
        pool.put("pooling_mode_mean_sqrt_len_tokens", false);
        JSON.writeValue(dir.resolve("1_Pooling").resolve("config.json").toFile(), pool);
        ObjectNode st = JSON.createObjectNode();
        st.put("max_seq_length", c.maxLength());
        st.put("do_lower_case", false);
        JSON.writeValue(dir.resolve("sentence_bert_config.json").toFile(), st);
    }

    static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
