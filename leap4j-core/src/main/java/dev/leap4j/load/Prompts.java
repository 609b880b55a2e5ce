package dev.leap4j.load;

import dev.leap4j.api.UsageException;
import dev.leap4j.api.ModelFormatException;

import dev.leap4j.api.Prompt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The prompts a model was trained with, from sentence-transformers' {@code config_sentence_transformers.json}
 * ({@code {"prompts": {"query": "query: ", ...}, "default_prompt_name": null}}). They matter because a model
 * like e5 only places a query where its training put queries when the input starts with its prompt; leaving it
 * out costs retrieval quality without any error.
 *
 * @param byName      prompt text by name, in the file's order
 * @param defaultName the prompt applied when a run names none (sentence-transformers' rule), or null for none
 */
public record Prompts(Map<String, String> byName, String defaultName) {
    public static final String FILE = "config_sentence_transformers.json";
    public static final Prompts NONE = new Prompts(Map.of(), null);

    /** sentence-transformers' names for the document side, in the order its encode_document tries them. */
    private static final List<String> DOCUMENT_NAMES = List.of("document", "passage", "corpus");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Prompts {
        Objects.requireNonNull(byName, "prompts");
        LinkedHashMap<String, String> copy = new LinkedHashMap<>();
        byName.forEach((name, text) -> {
            if (name == null || name.isEmpty()) throw new UsageException("a prompt name must not be empty");
            if (text == null) throw new UsageException("prompt '" + name + "' has no text");
            copy.put(name, text);
        });
        byName = Collections.unmodifiableMap(copy);
        if (defaultName != null && !byName.containsKey(defaultName)) {
            throw new UsageException("the default prompt '" + defaultName + "' is not one of the prompts (" + known(byName) + ")");
        }
    }

    public boolean isEmpty() {
        return byName.isEmpty();
    }

    /** The named prompt; an unknown name is an error listing the names there are. */
    public Prompt get(String name) {
        String text = byName.get(name);
        if (text == null) {
            throw new UsageException("unknown prompt '" + name + "': "
                    + (byName.isEmpty() ? "this model defines no prompts" : "this model's prompts are " + known(byName)));
        }
        return new Prompt(name, text);
    }

    /**
     * The prompt a run asks for: text when given (any text, not one of the model's), else the prompt called name,
     * else the default prompt. Callers refuse both at once with their own wording before this is reached.
     */
    public Prompt choose(String name, String text) {
        if (name != null && text != null) throw new UsageException("a prompt name and a prompt text exclude each other: give one");
        if (text != null) return Prompt.literal(text);
        return name == null ? defaultPrompt() : get(name);
    }

    /** What a run that names no prompt uses: the default prompt, or none. */
    public Prompt defaultPrompt() {
        return defaultName == null ? Prompt.NONE : get(defaultName);
    }

    /** The prompt for search queries: "query" when the model has one, else the default (as encode_query). */
    public Prompt forQueries() {
        return byName.containsKey("query") ? get("query") : defaultPrompt();
    }

    /** The prompt for indexed documents: "document", "passage" or "corpus", else the default (as encode_document). */
    public Prompt forDocuments() {
        for (String n : DOCUMENT_NAMES) if (byName.containsKey(n)) return get(n);
        return defaultPrompt();
    }

    private static String known(Map<String, String> byName) {
        return byName.keySet().stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "));
    }

    /** The prompts in dir's config_sentence_transformers.json; no file means no prompts. */
    public static Prompts read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        JsonNode root = ModelFolder.readJson(file, false);
        if (root == null) return NONE;
        if (!root.isObject()) throw new ModelFormatException(file + ": expected a JSON object");
        LinkedHashMap<String, String> byName = new LinkedHashMap<>();
        JsonNode p = root.get("prompts");
        if (p != null && !p.isNull()) {
            if (!p.isObject()) throw new ModelFormatException(file + ": 'prompts' must be an object of name -> text");
            for (Map.Entry<String, JsonNode> e : p.properties()) {
                if (!e.getValue().isTextual()) throw new ModelFormatException(file + ": prompt '" + e.getKey() + "' must be a string");
                if (e.getKey().isEmpty()) throw new ModelFormatException(file + ": a prompt name is empty");
                byName.put(e.getKey(), e.getValue().textValue());
            }
        }
        JsonNode d = root.get("default_prompt_name");
        String defaultName = null;
        if (d != null && !d.isNull()) {
            if (!d.isTextual()) throw new ModelFormatException(file + ": 'default_prompt_name' must be a string or null");
            defaultName = d.textValue();
            if (!byName.containsKey(defaultName)) {
                throw new ModelFormatException(file + ": 'default_prompt_name' '" + defaultName + "' is not one of its prompts ("
                        + (byName.isEmpty() ? "there are none" : known(byName)) + ")");
            }
        }
        return new Prompts(byName, defaultName);
    }

    /**
     * Writes dir/config_sentence_transformers.json through a temporary file renamed into place, so a reader
     * (another process importing the same cached model) never sees half of it.
     */
    public void write(Path dir) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode p = root.putObject("prompts");
        byName.forEach(p::put);
        if (defaultName == null) root.putNull("default_prompt_name");
        else root.put("default_prompt_name", defaultName);
        Path tmp = Files.createTempFile(dir, "." + FILE, ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), root);
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
