package dev.leap4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.load.Prompts;
import dev.leap4j.tokenize.TextTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** prompt_name end to end: the named prompt (or the model's default) is put before every text ahead of tokenization. */
class ServerPromptsTest {
    static long seed;
    static EarlyExitEncoder served, reference;
    static ExitPolicy policy;
    static EmbeddingServer server;
    static Loopback http;

    @BeforeAll
    static void start() throws IOException {
        seed = dev.leap4j.TestSeed.next();
        Map<String, String> byName = new LinkedHashMap<>();
        byName.put("query", "query: ");
        byName.put("passage", "passage: ");
        byName.put("plain", "");
        BertConfig cfg = TinyEncoders.config();
        served = new EarlyExitEncoder(cfg, BertWeights.random(cfg, seed), TextTokenizer.load(TinyEncoders.tokenizerJson(), TinyEncoders.MAX_LENGTH),
                2, "tiny-prompted", new Prompts(byName, "passage"));
        reference = TinyEncoders.create(seed, 1);
        policy = TinyEncoders.mixedPolicy(reference, TinyEncoders.texts(new Random(seed), 64));
        server = EmbeddingServer.start(served, ServerSettings.defaults(0, policy));
        http = new Loopback(server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
        served.close();
        reference.close();
    }

    private static float[] expected(String text) {
        List<Embedding> e = reference.embedTokens(List.of(reference.tokenize(text)), policy);
        return e.getFirst().vector();
    }

    private static JsonNode vectors(String path, List<String> texts, String promptName) {
        ObjectNode req = Loopback.JSON.createObjectNode();
        texts.forEach(req.putArray(path.equals("/embed") ? "inputs" : "input")::add);
        if (promptName != null) req.put("prompt_name", promptName);
        Loopback.Reply r = http.postJson(path, req);
        assertEquals(200, r.status(), r.text());
        return r.json();
    }

    @Test
    void theNamedPromptOrTheDefaultGoesBeforeEveryText() {
        List<String> texts = TinyEncoders.texts(new Random(seed ^ 1), 6);
        for (String name : new String[]{"query", "passage", "plain", null}) {
            String prefix = name == null ? "passage: " : name.equals("plain") ? "" : name + ": ";
            JsonNode tei = vectors("/embed", texts, name);
            JsonNode openAi = vectors("/v1/embeddings", texts, name);
            for (int i = 0; i < texts.size(); i++) {
                float[] want = expected(prefix + texts.get(i));
                assertArrayEquals(want, Loopback.floats(tei.get(i)), "seed " + seed + ", prompt " + name + ", input " + i);
                assertArrayEquals(want, Loopback.floats(openAi.get("data").get(i).get("embedding")), "seed " + seed + ", prompt " + name + ", input " + i);
            }
        }
    }

    @Test
    void anUnknownPromptNameIsA400ListingTheKnownOnes() {
        Loopback.Reply r = http.post("/embed", "{\"inputs\": \"a\", \"prompt_name\": \"document\"}");
        assertEquals(400, r.status(), r.text());
        assertTrue(r.json().get("error").textValue().contains("query, passage, plain"), r.text());
        r = http.post("/v1/embeddings", "{\"input\": \"a\", \"prompt_name\": \"document\"}");
        assertEquals(400, r.status(), r.text());
        assertEquals("prompt_name", r.json().get("error").get("param").textValue());
    }
}
