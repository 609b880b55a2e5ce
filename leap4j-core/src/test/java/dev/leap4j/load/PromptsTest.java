package dev.leap4j.load;

import dev.leap4j.model.BertWeights;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.Pooling;
import dev.leap4j.api.ModelFormatException;

import dev.leap4j.api.Prompt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptsTest {
    @TempDir
    Path tmp;

    private static final String E5_STYLE = """
            {"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": null,
             "__version__": {"sentence_transformers": "3.0.1"}, "similarity_fn_name": "cosine"}""";

    private Path folderWith(String promptsJson) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "m");
        Files.writeString(dir.resolve(Prompts.FILE), promptsJson);
        return dir;
    }

    private String corruptMessage(String promptsJson) throws IOException {
        Path dir = folderWith(promptsJson);
        String m = assertThrows(ModelFormatException.class, () -> Prompts.read(dir)).getMessage();
        assertTrue(m.contains(dir.resolve(Prompts.FILE).toString()), "names the file: " + m);
        return m;
    }

    @Test
    void readsSentenceTransformersPromptsInFileOrder() throws IOException {
        Prompts p = Prompts.read(folderWith(E5_STYLE));
        assertEquals(List.of("query", "passage"), List.copyOf(p.byName().keySet()));
        assertEquals(new Prompt("query", "query: "), p.get("query"));
        assertEquals("passage: ", p.get("passage").text());
        assertNull(p.defaultName());
        assertEquals(Prompt.NONE, p.defaultPrompt(), "no default prompt: inputs go in as they are");
        assertEquals(p.get("query"), p.forQueries());
        assertEquals(p.get("passage"), p.forDocuments());
        assertEquals("query: A man", p.forQueries().apply("A man"));

        Prompts withDefault = Prompts.read(folderWith("{\"prompts\": {\"classification\": \"Classify: \", \"document\": \"\"}, \"default_prompt_name\": \"classification\"}"));
        assertEquals(new Prompt("classification", "Classify: "), withDefault.defaultPrompt());
        assertEquals(withDefault.defaultPrompt(), withDefault.forQueries(), "no 'query' prompt: the default applies, as encode_query does");
        assertEquals(new Prompt("document", ""), withDefault.forDocuments(), "an empty prompt is still the document prompt");
        assertTrue(withDefault.forDocuments().isNone());
    }

    @Test
    void noFileOrNoPromptsMeansNone() throws IOException {
        assertEquals(Prompts.NONE, Prompts.read(Files.createTempDirectory(tmp, "empty")));
        assertEquals(Prompts.NONE, Prompts.read(folderWith("{\"__version__\": {\"sentence_transformers\": \"2.2.2\"}}")));
        assertEquals(Prompts.NONE, Prompts.read(folderWith("{\"prompts\": {}, \"default_prompt_name\": null}")));
        assertEquals(Prompt.NONE, Prompts.NONE.forQueries());
        assertEquals(Prompt.NONE, Prompts.NONE.forDocuments());
        assertEquals(List.of("a", "b"), Prompt.NONE.applyAll(List.of("a", "b")));
    }

    @Test
    void corruptFilesAreModelFormatErrorsNamingTheFile() throws IOException {
        assertTrue(corruptMessage("{\"prompts\": {\"query\": ").contains("not valid JSON"));
        assertTrue(corruptMessage("[\"query: \"]").contains("JSON object"));
        assertTrue(corruptMessage("{\"prompts\": [\"query: \"]}").contains("'prompts'"));
        assertTrue(corruptMessage("{\"prompts\": {\"query\": 7}}").contains("'query'"));
        String m = corruptMessage("{\"prompts\": {\"query\": \"query: \"}, \"default_prompt_name\": \"passage\"}");
        assertTrue(m.contains("'passage'") && m.contains("'query'"), m);
        assertTrue(corruptMessage("{\"prompts\": {}, \"default_prompt_name\": 1}").contains("default_prompt_name"));
    }

    @Test
    void anUnknownNameIsOneLineListingTheKnownOnes() throws IOException {
        Prompts p = Prompts.read(folderWith(E5_STYLE));
        String m = assertThrows(IllegalArgumentException.class, () -> p.get("Query")).getMessage();
        assertEquals("unknown prompt 'Query': this model's prompts are 'query', 'passage'", m);
        m = assertThrows(IllegalArgumentException.class, () -> Prompts.NONE.get("query")).getMessage();
        assertEquals("unknown prompt 'query': this model defines no prompts", m);
        assertThrows(IllegalArgumentException.class, () -> new Prompts(Map.of("query", "q: "), "passage"));
    }

    @Test
    void loadAndWriteCarryPrompts() throws IOException {
        BertConfig c = new BertConfig(20, 8, 1, 2, 16, 16, 2, 1e-12f, Pooling.MEAN, true, 12);
        Path tok = Files.createTempFile(tmp, "tok", ".json");
        Files.writeString(tok, "{}");
        Map<String, String> byName = new LinkedHashMap<>();
        byName.put("query", "query: ");
        byName.put("passage", "passage: ");
        Prompts prompts = new Prompts(byName, "query");

        Path written = tmp.resolve("written");
        ModelFolder.write(written, c, BertWeights.random(c, 1), tok, prompts);
        assertEquals(prompts, ModelFolder.load(written).prompts());

        // a model written from another's tokenizer (as training writes the student) keeps that model's prompts
        Path copy = tmp.resolve("copy");
        ModelFolder.write(copy, c, BertWeights.random(c, 2), written.resolve("tokenizer.json"));
        assertEquals(prompts, ModelFolder.load(copy).prompts());

        // a folder without the file loads with no prompts; a corrupt one does not load
        Files.delete(copy.resolve(Prompts.FILE));
        assertEquals(Prompts.NONE, ModelFolder.load(copy).prompts());
        Files.writeString(copy.resolve(Prompts.FILE), "{\"prompts\": ");
        String m = assertThrows(ModelFormatException.class, () -> ModelFolder.load(copy)).getMessage();
        assertTrue(m.contains(copy.resolve(Prompts.FILE).toString()), m);
    }

    @Test
    void builtInModelsCarryTheirPublishedPrompts() throws IOException {
        assertEquals("query: ", BuiltinModel.E5_SMALL_V2.prompts().get("query").text());
        assertEquals("passage: ", BuiltinModel.E5_SMALL_V2.prompts().forDocuments().text());
        assertEquals("Represent this sentence for searching relevant passages: ", BuiltinModel.BGE_SMALL_EN_V15.prompts().forQueries().text());
        assertEquals(Prompt.NONE, BuiltinModel.BGE_SMALL_EN_V15.prompts().forDocuments(), "bge embeds documents as they are");
        assertEquals(Prompts.NONE, BuiltinModel.ALL_MINILM_L6_V2.prompts());
        for (BuiltinModel b : BuiltinModel.values()) assertNull(b.prompts().defaultName(), b.id);

        // a cache folder imported before prompts were written gets them on its next use, and keeps a file it has
        Path old = Files.createTempDirectory(tmp, "e5-imported-earlier");
        BuiltinModel.E5_SMALL_V2.writePromptsIfMissing(old);
        assertEquals(BuiltinModel.E5_SMALL_V2.prompts(), Prompts.read(old));
        Files.writeString(old.resolve(Prompts.FILE), "{\"prompts\": {\"query\": \"q: \"}}");
        BuiltinModel.E5_SMALL_V2.writePromptsIfMissing(old);
        assertEquals("q: ", Prompts.read(old).get("query").text());
    }

    @Test
    void importedBuiltInFolderLoadsWithItsPrompts() throws IOException {
        Path dir = BuiltinModel.ALL_MINILM_L6_V2.folder(Path.of("target/model-cache"));
        assertTrue(Files.isRegularFile(dir.resolve(Prompts.FILE)), "every cached built-in has the file");
        assertEquals(Prompts.NONE, Prompts.read(dir));
    }

    @Test
    void describeSaysWhereThePromptCameFrom() {
        assertEquals("none", Prompt.NONE.describe());
        assertEquals("\"query: \" (the model's prompt 'query')", new Prompt("query", "query: ").describe());
        assertEquals("\"say \\\"hi\\\" \" (given as text)", Prompt.literal("say \"hi\" ").describe());
        assertEquals(Prompt.NONE, Prompt.literal(""));
    }
}
