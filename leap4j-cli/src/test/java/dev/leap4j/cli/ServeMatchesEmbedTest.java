package dev.leap4j.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.load.BuiltinModel;
import dev.leap4j.load.ModelFolder;
import dev.leap4j.serve.EmbeddingServer;
import dev.leap4j.serve.ServerSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server's embeddings are `leap4j embed`'s, bit for bit, on a real model, through both APIs. */
class ServeMatchesEmbedTest {
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    @Test
    void serverAndEmbedCommandAgreeExactly(@TempDir Path tmp) throws Exception {
        long seed = dev.leap4j.TestSeed.next();
        Random rnd = new Random(seed);
        Path model = BuiltinModel.ALL_MINILM_L6_V2.folder(Path.of("target/model-cache"));
        List<String> texts = new ArrayList<>(DemoCommand.SENTENCES);
        texts.add("Sentence embeddings that exit early. ".repeat(60));    // over 256 tokens: truncated by both
        java.util.Collections.shuffle(texts, rnd);
        double theta = new double[]{0.9, 0.95, 0.99, 1.01}[rnd.nextInt(4)];
        String msg = "seed " + seed + ", theta " + theta;

        Path in = tmp.resolve("in.txt"), out = tmp.resolve("out.jsonl");
        Files.write(in, texts, StandardCharsets.UTF_8);
        int rc = Main.commandLine().execute("embed", "--model", model.toString(), "--theta", Double.toString(theta),
                "--batch-size", Integer.toString(1 + rnd.nextInt(8)), "--input", in.toString(), "--output", out.toString());
        assertEquals(0, rc);
        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(out)) if (!l.isBlank()) lines.add(JSON.readTree(l));
        assertEquals(texts.size(), lines.size());

        try (EarlyExitEncoder enc = new EarlyExitEncoder(ModelFolder.load(model), 1 + rnd.nextInt(2))) {
            ExitPolicy policy = ExitPolicy.uncalibrated(enc.numLayers()).withTheta(ExitPolicy.PAPER_THETA);
            EmbeddingServer server = EmbeddingServer.start(enc, ServerSettings.defaults(0, policy));
            try {
                HttpClient client = HttpClient.newHttpClient();
                ObjectNode openAi = JSON.createObjectNode().put("model", "all-minilm-l6-v2").put("theta", theta);
                texts.forEach(openAi.putArray("input")::add);
                JsonNode a = post(client, server.port(), "/v1/embeddings", openAi);
                ObjectNode tei = JSON.createObjectNode().put("theta", theta);
                texts.forEach(tei.putArray("inputs")::add);
                JsonNode b = post(client, server.port(), "/embed", tei);
                for (int i = 0; i < texts.size(); i++) {
                    float[] want = floats(lines.get(i).get("embedding"));
                    JsonNode d = a.get("data").get(i);
                    assertArrayEquals(want, floats(d.get("embedding")), msg + ", input " + i);
                    assertArrayEquals(want, floats(b.get(i)), msg + ", input " + i);
                    assertEquals(lines.get(i).get("exit_layer").intValue(), d.get("exit_layer").intValue(), msg);
                    assertEquals(lines.get(i).get("truncated").booleanValue(), d.get("truncated").booleanValue(), msg);
                }
                assertTrue(a.get("data").findValues("truncated").stream().anyMatch(JsonNode::booleanValue), "the long input is reported truncated");
            } finally {
                server.close();
            }
        }
    }

    private static JsonNode post(HttpClient client, int port, String path, JsonNode body) throws Exception {
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        return JSON.readTree(r.body());
    }

    private static float[] floats(JsonNode a) {
        float[] v = new float[a.size()];
        for (int i = 0; i < v.length; i++) v[i] = Float.parseFloat(a.get(i).decimalValue().toString());
        return v;
    }
}
