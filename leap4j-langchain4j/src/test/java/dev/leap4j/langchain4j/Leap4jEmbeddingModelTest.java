package dev.leap4j.langchain4j;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.request.EmbeddingInputType;
import dev.langchain4j.model.embedding.request.EmbeddingRequest;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import dev.leap4j.api.Leap4j;
import dev.leap4j.cli.Main;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.api.Prompt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The adapter through LangChain4j's own API, against the `leap4j embed` CLI as the oracle. */
class Leap4jEmbeddingModelTest {
    static final String MODEL = "all-minilm-l6-v2";
    static final double THETA = 0.9;
    static final List<String> TEXTS = List.of(
            "A man is playing a guitar on stage.",
            "Someone plays the guitar in front of an audience.",
            "The cat sleeps on the warm windowsill.",
            "Stock markets fell sharply after the announcement.",
            "How do cells divide?",
            "Mitosis is the process by which a eukaryotic cell separates its chromosomes into two identical nuclei.",
            "The river burst its banks after a week of heavy rain, flooding the low streets of the old town.",
            "Quantum computers use qubits.",
            "She baked bread every Sunday morning.",
            "The central bank raised interest rates by half a point.",
            "Naïve café owners in Zürich serve crème brûlée.",
            "3 + 4 = 7",
            "ok",
            "The early exit saves layers when consecutive layers agree.",
            "Protein folding determines the function of enzymes.",
            "A dog runs across the park chasing a ball.",
            "Heavy rain caused the river to overflow.",
            "The orchestra tuned their instruments before the concert began.",
            "Penguins cannot fly, but they swim very well.",
            "Rates went up at the central bank.");

    static Leap4jEmbeddingModel model;

    @BeforeAll
    static void load() {
        model = Leap4jEmbeddingModel.builder().model(MODEL).theta(THETA).threads(2).build();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** What `leap4j embed --theta THETA` writes for texts, read back exactly (decimal text to the nearest float). */
    static List<float[]> cliEmbed(Path dir, List<String> texts, List<Integer> exitLayers) throws Exception {
        Path in = dir.resolve("in.txt"), out = dir.resolve("out.jsonl");
        Files.write(in, texts);
        int code = new CommandLine(new Main()).execute("embed", "--model", MODEL, "--input", in.toString(), "--output", out.toString(),
                "--theta", Double.toString(THETA), "--threads", "2");
        assertEquals(0, code, "leap4j embed failed");
        ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        List<float[]> vectors = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(out)) {
            for (String line; (line = r.readLine()) != null; ) {
                JsonNode n = json.readTree(line);
                JsonNode e = n.get("embedding");
                float[] v = new float[e.size()];
                for (int i = 0; i < v.length; i++) v[i] = Float.parseFloat(e.get(i).decimalValue().toString());
                vectors.add(v);
                exitLayers.add(n.get("exit_layer").intValue());
            }
        }
        return vectors;
    }

    @Test
    void vectorsEqualTheCliBitForBit(@TempDir Path dir) throws Exception {
        List<Integer> layers = new ArrayList<>();
        List<float[]> want = cliEmbed(dir, TEXTS, layers);
        Response<List<Embedding>> got = model.embedAll(TEXTS.stream().map(TextSegment::from).toList());
        assertEquals(TEXTS.size(), got.content().size());
        for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(want.get(i), got.content().get(i).vector(), TEXTS.get(i));
        // one text at a time through the default single-text path gives the same bits as the batch
        assertArrayEquals(want.get(4), model.embed(TEXTS.get(4)).content().vector());
        Set<Integer> distinct = new HashSet<>(layers);
        assertTrue(distinct.size() > 1 && distinct.stream().anyMatch(l -> l < 6), "theta " + THETA + " should make some inputs exit early: " + layers);
        assertTrue(got.tokenUsage().inputTokenCount() > TEXTS.size(), "token usage counts the model's tokens");
        assertEquals(layers, got.metadata().get(Leap4jEmbeddingModel.EXIT_LAYERS), "the response names every input's exit layer");
        assertEquals(List.of(layers.get(4)), model.embed(TEXTS.get(4)).metadata().get(Leap4jEmbeddingModel.EXIT_LAYERS));
    }

    @Test
    void inMemoryStoreRetrievesTheParaphrase() {
        InMemoryEmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
        List<TextSegment> docs = TEXTS.subList(2, 14).stream().map(TextSegment::from).toList();
        store.addAll(model.embedAll(docs).content(), docs);
        List<EmbeddingMatch<TextSegment>> hits = store.search(EmbeddingSearchRequest.builder()
                .queryEmbedding(model.embed("Heavy rain caused the river to overflow.").content()).maxResults(3).build()).matches();
        assertEquals("The river burst its banks after a week of heavy rain, flooding the low streets of the old town.", hits.getFirst().embedded().text());
        hits = store.search(EmbeddingSearchRequest.builder().queryEmbedding(model.embed("Rates went up at the central bank.").content()).maxResults(3).build()).matches();
        assertEquals("The central bank raised interest rates by half a point.", hits.getFirst().embedded().text());
    }

    @Test
    void dimensionAndNameComeFromTheModel() {
        assertEquals(384, model.dimension());
        assertEquals(MODEL, model.modelName());
    }

    @Test
    void queriesAndDocumentsGetTheirOwnPrompts() throws Exception {
        try (Leap4j leap = Leap4j.load(MODEL);
             Leap4jEmbeddingModel prompted = Leap4jEmbeddingModel.of(leap, leap.defaultPolicy().withTheta(THETA), Prompt.literal("query: "),
                     Prompt.literal("passage: "))) {
            ExitPolicy rule = leap.defaultPolicy().withTheta(THETA);
            float[] query = leap.embed(List.of("query: How do cells divide?"), rule).getFirst().vector();
            float[] doc = leap.embed(List.of("passage: How do cells divide?"), rule).getFirst().vector();
            assertArrayEquals(query, prompted.embed("How do cells divide?").content().vector(), "embed(String) is the query path");
            assertArrayEquals(doc, prompted.embedAll(List.of(TextSegment.from("How do cells divide?"))).content().getFirst().vector());
            assertArrayEquals(doc, prompted.embed(TextSegment.from("How do cells divide?")).content().vector(), "a segment is a document");
            var asQuery = prompted.embed(EmbeddingRequest.builder().input("How do cells divide?").inputType(EmbeddingInputType.QUERY).build());
            assertArrayEquals(query, asQuery.embeddings().getFirst().vector(), "a request of input type QUERY gets the query prompt");
            var asDoc = prompted.embed(EmbeddingRequest.builder().input("How do cells divide?").inputType(EmbeddingInputType.DOCUMENT).build());
            assertArrayEquals(doc, asDoc.embeddings().getFirst().vector());
        }
    }

    @Test
    void stockModelsRunAtFullDepthByDefaultWithTheirQueryAndDocumentPrompts() {
        try (Leap4jEmbeddingModel e5 = Leap4jEmbeddingModel.builder().model("e5-small-v2").threads(2).build()) {
            assertEquals("query: ", e5.queryPrompt().text());
            assertEquals("passage: ", e5.documentPrompt().text());
            assertTrue(!e5.policy().monitors(), "no calibration: full depth");
            Response<List<Embedding>> r = e5.embedAll(TEXTS.subList(0, 6).stream().map(TextSegment::from).toList());
            assertEquals(java.util.Collections.nCopies(6, 12), r.metadata().get(Leap4jEmbeddingModel.EXIT_LAYERS));
        }
    }

    @Test
    void depthCapsEveryInputAtTheFirstKLayers() throws Exception {
        try (Leap4j leap = Leap4j.load(MODEL);
             Leap4jEmbeddingModel three = Leap4jEmbeddingModel.builder().model(MODEL).depth(3).threads(2).build()) {
            Response<List<Embedding>> r = three.embedAll(TEXTS.stream().map(TextSegment::from).toList());
            List<dev.leap4j.api.Embedding> want = leap.embed(TEXTS, leap.policy(null, null, null, 3));
            for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(want.get(i).vector(), r.content().get(i).vector());
            assertEquals(java.util.Collections.nCopies(TEXTS.size(), 3), r.metadata().get(Leap4jEmbeddingModel.EXIT_LAYERS));
        }
    }

    @Test
    void int8WeightsGiveTheLibrarysInt8Vectors() throws Exception {
        try (Leap4j leap = Leap4j.load(MODEL, dev.leap4j.api.Defaults.cacheDir(), 2, dev.leap4j.api.WeightFormat.INT8);
             Leap4j fp32 = Leap4j.load(MODEL);
             Leap4jEmbeddingModel int8 = Leap4jEmbeddingModel.builder().model(MODEL).weights(dev.leap4j.api.WeightFormat.INT8).threads(2).build()) {
            Response<List<Embedding>> r = int8.embedAll(TEXTS.stream().map(TextSegment::from).toList());
            List<dev.leap4j.api.Embedding> want = leap.embed(TEXTS);
            for (int i = 0; i < TEXTS.size(); i++) assertArrayEquals(want.get(i).vector(), r.content().get(i).vector());
            assertTrue(!java.util.Arrays.equals(fp32.embed(TEXTS.get(0)), r.content().get(0).vector()), "int8 is not fp32");
        }
    }

    @Test
    void mistakesAreOneActionableLine() {
        assertThrows(IllegalArgumentException.class, () -> model.embedAll(java.util.Arrays.asList(TextSegment.from("a"), null)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Leap4jEmbeddingModel.builder().model(MODEL).promptName("query").build());
        assertTrue(e.getMessage().contains("unknown prompt"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Leap4jEmbeddingModel.builder().model(MODEL).theta(0).build());
        assertThrows(IllegalArgumentException.class, () -> Leap4jEmbeddingModel.builder().model(MODEL).minLayer(9).build());
        assertThrows(IllegalArgumentException.class, () -> Leap4jEmbeddingModel.builder().build());
        assertThrows(IllegalArgumentException.class, () -> Leap4jEmbeddingModel.of(null, ExitPolicy.fullDepth(), Prompt.NONE, Prompt.NONE));
        e = assertThrows(IllegalArgumentException.class, () -> Leap4jEmbeddingModel.builder().model(MODEL).depth(7).build());
        assertTrue(e.getMessage().contains("1..6"), e.getMessage());
        // LangChain4j refuses a blank TextSegment itself; a blank query string reaches the adapter, which refuses it
        e = assertThrows(IllegalArgumentException.class, () -> model.embed(" "));
        assertTrue(e.getMessage().startsWith("query 0 is blank"), e.getMessage());
    }
}
