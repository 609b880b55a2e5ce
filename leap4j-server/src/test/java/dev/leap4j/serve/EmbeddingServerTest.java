package dev.leap4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.tokenize.TokenizedText;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Talks HTTP to a real server on a loopback port; every answer is checked against the engine run directly. */
class EmbeddingServerTest {
    static final int MAX_INPUTS = 32, MAX_QUEUE = 256, MAX_BODY = 256 << 10, BATCH_TOKENS = 256;

    static long seed;
    static EarlyExitEncoder served, reference;
    static ExitPolicy policy;
    static EmbeddingServer server;
    static Loopback http;

    @BeforeAll
    static void start() {
        seed = dev.leap4j.TestSeed.next();
        served = TinyEncoders.create(seed, 2);
        reference = TinyEncoders.create(seed, 1);
        policy = TinyEncoders.mixedPolicy(reference, TinyEncoders.texts(new Random(seed), 64));
        ServerSettings settings = ServerSettings.defaults(0, policy).withLimits(BATCH_TOKENS, MAX_QUEUE, MAX_INPUTS, MAX_BODY);
        server = EmbeddingServer.start(served, settings);
        http = new Loopback(server.port());
    }

    @AfterAll
    static void stop() {
        server.close();
        served.close();
        reference.close();
    }

    private static List<Embedding> expected(List<String> texts, ExitPolicy p) {
        List<Embedding> out = new ArrayList<>();
        for (String t : texts) out.add(reference.embedTokens(List.of(reference.tokenize(t)), p).getFirst());
        return out;
    }

    private static Set<String> fields(JsonNode n) {
        Set<String> s = new HashSet<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) s.add(it.next());
        return s;
    }

    @Test
    void openAiResponseMatchesTheSchemaAndTheEngine() {
        Random rnd = new Random(seed ^ 1);
        List<String> texts = TinyEncoders.texts(rnd, 1 + rnd.nextInt(MAX_INPUTS));
        Double theta = rnd.nextBoolean() ? null : policy.theta() + 0.01 * rnd.nextGaussian();
        ObjectNode req = Loopback.JSON.createObjectNode().put("model", "anything");
        ArrayNode in = req.putArray("input");
        texts.forEach(in::add);
        if (theta != null) req.put("theta", theta);
        Loopback.Reply r = http.postJson("/v1/embeddings", req);
        assertEquals(200, r.status(), r.text());
        assertTrue(r.header("content-type").startsWith("application/json"));
        JsonNode root = r.json();
        assertEquals(Set.of("object", "data", "model", "usage"), fields(root));
        assertEquals("list", root.get("object").textValue());
        assertEquals(served.name(), root.get("model").textValue());
        List<Embedding> want = expected(texts, theta == null ? policy : policy.withTheta(theta));
        assertEquals(texts.size(), root.get("data").size());
        int tokens = 0;
        for (int i = 0; i < texts.size(); i++) {
            JsonNode d = root.get("data").get(i);
            assertEquals(Set.of("object", "index", "embedding", "exit_layer", "truncated", "shed", "served_depth"), fields(d));
            assertFalse(d.get("shed").booleanValue(), "this server sheds nothing");
            assertEquals(TinyEncoders.LAYERS, d.get("served_depth").intValue());
            assertEquals("embedding", d.get("object").textValue());
            assertEquals(i, d.get("index").intValue());
            assertTrue(d.get("index").isIntegralNumber() && d.get("exit_layer").isIntegralNumber() && d.get("truncated").isBoolean());
            assertArrayEquals(want.get(i).vector(), Loopback.floats(d.get("embedding")), "seed " + seed + " input " + i);
            assertEquals(want.get(i).exitLayer(), d.get("exit_layer").intValue());
            assertEquals(want.get(i).truncated(), d.get("truncated").booleanValue());
            tokens += want.get(i).tokens();
        }
        assertEquals(Set.of("prompt_tokens", "total_tokens"), fields(root.get("usage")));
        assertEquals(tokens, root.get("usage").get("prompt_tokens").intValue());
        assertEquals(tokens, root.get("usage").get("total_tokens").intValue());
    }

    @Test
    void openAiBase64AndDimensions() {
        Random rnd = new Random(seed ^ 2);
        String text = TinyEncoders.texts(rnd, 1).getFirst();
        float[] full = expected(List.of(text), policy).getFirst().vector();
        Loopback.Reply r = http.postJson("/v1/embeddings", Loopback.JSON.createObjectNode().put("input", text).put("encoding_format", "base64"));
        assertEquals(200, r.status(), r.text());
        JsonNode d = r.json().get("data").get(0);
        assertTrue(d.get("embedding").isTextual());
        assertArrayEquals(full, Loopback.fromBase64(d.get("embedding").textValue()));

        int dims = 1 + rnd.nextInt(full.length);
        r = http.postJson("/v1/embeddings", Loopback.JSON.createObjectNode().put("input", text).put("dimensions", dims));
        assertEquals(200, r.status(), r.text());
        float[] cut = Arrays.copyOf(full, dims);
        if (dims < full.length) EarlyExitEncoder.normalize(cut);
        assertArrayEquals(cut, Loopback.floats(r.json().get("data").get(0).get("embedding")), "dims " + dims);
    }

    @Test
    void teiResponseIsABareArrayWithTelemetryInHeaders() {
        Random rnd = new Random(seed ^ 3);
        List<String> texts = new ArrayList<>(TinyEncoders.texts(rnd, 1 + rnd.nextInt(8)));
        texts.add("word ".repeat(3 * TinyEncoders.MAX_LENGTH));   // over-long: cut and reported
        List<Embedding> want = expected(texts, policy);
        ObjectNode req = Loopback.JSON.createObjectNode();
        texts.forEach(req.putArray("inputs")::add);
        Loopback.Reply r = http.postJson("/embed", req);
        assertEquals(200, r.status(), r.text());
        JsonNode root = r.json();
        assertTrue(root.isArray());
        assertEquals(texts.size(), root.size());
        StringBuilder layers = new StringBuilder(), cut = new StringBuilder();
        int tokens = 0;
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(want.get(i).vector(), Loopback.floats(root.get(i)), "input " + i);
            layers.append(i == 0 ? "" : ",").append(want.get(i).exitLayer());
            if (want.get(i).truncated()) cut.append(cut.isEmpty() ? "" : ",").append(i);
            tokens += want.get(i).tokens();
        }
        assertEquals(layers.toString(), r.header("x-exit-layers"));
        assertEquals(Integer.toString(tokens), r.header("x-compute-tokens"));
        assertTrue(cut.toString().endsWith(Integer.toString(texts.size() - 1)));
        assertEquals(cut.toString(), r.header("x-truncated-inputs"));

        // a single string gives a one-row array
        r = http.postJson("/embed", Loopback.JSON.createObjectNode().put("inputs", texts.getFirst()));
        assertEquals(200, r.status(), r.text());
        assertEquals(1, r.json().size());
        assertArrayEquals(want.getFirst().vector(), Loopback.floats(r.json().get(0)));

        // normalize=false: the same exit, before the L2 normalisation
        r = http.postJson("/embed", Loopback.JSON.createObjectNode().put("inputs", texts.getFirst()).put("normalize", false));
        assertEquals(200, r.status(), r.text());
        float[] raw = Loopback.floats(r.json().get(0));
        assertEquals(want.getFirst().exitLayer() + "", r.header("x-exit-layers"));
        EarlyExitEncoder.normalize(raw);
        assertArrayEquals(want.getFirst().vector(), raw);

        // truncate=false refuses the over-long input, naming it
        req.put("truncate", false);
        r = http.postJson("/embed", req);
        assertEquals(413, r.status(), r.text());
        assertEquals(Set.of("error", "error_type"), fields(r.json()));
        assertEquals("validation", r.json().get("error_type").textValue());
        assertTrue(r.json().get("error").textValue().contains("inputs[" + cut.toString().split(",")[0] + "]"), r.text());
    }

    @Test
    void theTokenizerGivesTheSameIdsFromManyHandlerThreadsAtOnce() throws Exception {
        List<String> texts = TinyEncoders.texts(new Random(seed ^ 8), 400);
        List<TokenizedText> sequential = reference.tokenizer().encodeAll(texts);
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<List<TokenizedText>>> runs = new ArrayList<>();
            for (int t = 0; t < 8; t++) runs.add(pool.submit(() -> served.tokenizer().encodeAll(texts)));
            for (Future<List<TokenizedText>> run : runs) {
                List<TokenizedText> got = run.get();
                for (int i = 0; i < texts.size(); i++) {
                    assertArrayEquals(sequential.get(i).ids(), got.get(i).ids(), texts.get(i));
                    assertEquals(sequential.get(i).truncated(), got.get(i).truncated());
                }
            }
        }
    }

    @Test
    void thetaAboveOneRunsFullDepth() {
        List<String> texts = TinyEncoders.texts(new Random(seed ^ 4), 16);
        ObjectNode req = Loopback.JSON.createObjectNode().put("theta", 1.01);
        texts.forEach(req.putArray("input")::add);
        Loopback.Reply r = http.postJson("/v1/embeddings", req);
        assertEquals(200, r.status(), r.text());
        for (JsonNode d : r.json().get("data")) assertEquals(TinyEncoders.LAYERS, d.get("exit_layer").intValue());
    }

    @Test
    void depthCapsARequestAtTheFirstKLayersOnBothEndpoints() {
        List<String> texts = TinyEncoders.texts(new Random(seed ^ 7), 12);
        for (int k = 1; k <= TinyEncoders.LAYERS; k++) {
            ObjectNode req = Loopback.JSON.createObjectNode().put("depth", k).put("theta", 2.0);
            texts.forEach(req.putArray("input")::add);
            Loopback.Reply r = http.postJson("/v1/embeddings", req);
            assertEquals(200, r.status(), r.text());
            List<Embedding> want = expected(texts, ExitPolicy.fullDepth().withDepth(k));
            for (JsonNode d : r.json().get("data")) {
                assertEquals(k, d.get("exit_layer").intValue());
                assertArrayEquals(want.get(d.get("index").intValue()).vector(), Loopback.floats(d.get("embedding")), "seed " + seed);
            }
            ObjectNode tei = Loopback.JSON.createObjectNode().put("depth", k);
            texts.forEach(tei.putArray("inputs")::add);
            r = http.postJson("/embed", tei);
            assertEquals(200, r.status(), r.text());
            int cap = k;
            assertTrue(java.util.Arrays.stream(r.header("x-exit-layers").split(",")).mapToInt(Integer::parseInt).allMatch(l -> l <= cap),
                    r.header("x-exit-layers"));
        }
        ObjectNode over = Loopback.JSON.createObjectNode().put("input", "a").put("depth", TinyEncoders.LAYERS + 1);
        Loopback.Reply r = http.postJson("/v1/embeddings", over);
        assertEquals(400, r.status());
        assertTrue(r.text().contains("depth"), r.text());
    }

    record Bad(String path, String body, int status, String mentions) {}

    @Test
    void badRequestsGetA4xxNamingTheProblem() {
        String longText = "word ".repeat(3 * TinyEncoders.MAX_LENGTH);
        List<Bad> cases = List.of(
                new Bad("/v1/embeddings", "{\"input\": [\"a\",", 400, "malformed JSON"),
                new Bad("/v1/embeddings", "", 400, "empty"),
                new Bad("/v1/embeddings", "[\"a\"]", 400, "JSON object"),
                new Bad("/v1/embeddings", "{\"input\": 5}", 400, "input"),
                new Bad("/v1/embeddings", "{\"input\": []}", 400, "empty array"),
                new Bad("/v1/embeddings", "{\"input\": [\"a\", null]}", 400, "input[1]"),
                new Bad("/v1/embeddings", "{\"input\": [[1, 2, 3]]}", 400, "token"),
                new Bad("/v1/embeddings", "{\"input\": \"\"}", 400, "'input' is empty"),
                new Bad("/v1/embeddings", "{\"input\": [\"a\", \" \\t\"]}", 400, "'input[1]' is blank"),
                new Bad("/embed", "{\"inputs\": \"\"}", 400, "'inputs' is empty"),
                new Bad("/embed", "{\"inputs\": [\"a\", \"  \"]}", 400, "'inputs[1]' is blank"),
                new Bad("/v1/embeddings", "{\"model\": \"m\"}", 400, "'input' is required"),
                new Bad("/v1/embeddings", "{\"input\": \"a\", \"encoding_format\": \"int8\"}", 400, "encoding_format"),
                new Bad("/v1/embeddings", "{\"input\": \"a\", \"dimensions\": 0}", 400, "dimensions"),
                new Bad("/v1/embeddings", "{\"input\": \"a\", \"dimensions\": 2.5}", 400, "dimensions"),
                new Bad("/v1/embeddings", "{\"input\": \"a\", \"dimensions\": 100000}", 400, "dimensions"),
                new Bad("/v1/embeddings", "{\"input\": \"a\", \"theta\": \"high\"}", 400, "theta"),
                new Bad("/v1/embeddings", "{\"input\": \"a\", \"theta\": -1}", 400, "theta"),
                new Bad("/v1/embeddings", "{\"input\": \"a\", \"truncate\": \"yes\"}", 400, "truncate"),
                new Bad("/v1/embeddings", "{\"input\": \"a\", \"model\": 7}", 400, "model"),
                new Bad("/v1/embeddings", "{\"input\": \"a\", \"colour\": 1}", 400, "unknown field 'colour'"),
                new Bad("/v1/embeddings", "{\"input\": \"a\", \"input\": \"b\"}", 400, "malformed JSON"),
                new Bad("/v1/embeddings", "{\"input\": \"a\"} {}", 400, "malformed JSON"),
                new Bad("/v1/embeddings", "{\"input\": \"\\ud800x\"}", 400, "surrogate"),
                new Bad("/v1/embeddings", "{\"input\": \"" + longText + "\", \"truncate\": false}", 413, "input[0]"),
                new Bad("/embed", "{\"inputs\": []}", 400, "empty array"),
                new Bad("/embed", "{\"inputs\": \"a\", \"normalize\": 1}", 400, "normalize"),
                new Bad("/embed", "{\"inputs\": \"a\", \"truncation_direction\": \"Left\"}", 400, "truncation_direction"),
                new Bad("/embed", "{\"inputs\": \"a\", \"prompt_name\": \"query\"}", 400, "is not a prompt of this model"),
                new Bad("/embed", "{\"inputs\": \"a\", \"prompt_name\": 7}", 400, "prompt_name"),
                new Bad("/v1/embeddings", "{\"input\": \"a\", \"prompt_name\": \"query\"}", 400, "prompt_name"),
                new Bad("/embed", "{\"input\": \"a\"}", 400, "unknown field 'input'"),
                new Bad("/embed", "{\"inputs\": {\"a\": 1}}", 400, "inputs"),
                new Bad("/embed", "nul", 400, "malformed JSON"));
        for (Bad b : cases) {
            Loopback.Reply r = http.post(b.path(), b.body());
            assertEquals(b.status(), r.status(), b + " -> " + r.text());
            JsonNode e = r.json();
            String message = b.path().equals("/embed") ? e.get("error").textValue() : e.get("error").get("message").textValue();
            assertTrue(message.contains(b.mentions()), b + " -> " + message);
            if (b.path().equals("/v1/embeddings")) {
                assertEquals(Set.of("message", "type", "param", "code"), fields(e.get("error")));
                assertEquals("invalid_request_error", e.get("error").get("type").textValue());
            }
        }
        // not UTF-8
        Loopback.Reply r = http.post("/v1/embeddings", new byte[]{'{', '"', 'i', 'n', 'p', 'u', 't', '"', ':', '"', (byte) 0xc3, (byte) 0x28, '"', '}'});
        assertEquals(400, r.status(), r.text());
        assertTrue(r.json().get("error").get("message").textValue().contains("UTF-8"));
        // too many inputs, too many bytes
        ObjectNode many = Loopback.JSON.createObjectNode();
        for (int i = 0; i <= MAX_INPUTS; i++) many.withArray("input").add("x");
        r = http.postJson("/v1/embeddings", many);
        assertEquals(413, r.status(), r.text());
        assertTrue(r.json().get("error").get("message").textValue().contains("at most " + MAX_INPUTS));
        r = http.post("/embed", "{\"inputs\": \"" + "a".repeat(MAX_BODY) + "\"}");
        assertEquals(413, r.status(), r.text());
        // unknown route, wrong method
        assertEquals(404, http.get("/v2/nothing").status());
        r = http.get("/v1/embeddings");
        assertTrue(r.status() == 404 || r.status() == 405, r.text());
        assertNotNull(r.json().get("error"));
    }

    @Test
    void concurrentClientsEachGetTheirOwnExactResults() throws Exception {
        Random rnd = new Random(seed ^ 5);
        List<String> texts = TinyEncoders.texts(rnd, 160);
        double[] thetas = {policy.theta(), 1.01, policy.theta() - 0.01};
        try (ExecutorService clients = Executors.newFixedThreadPool(8)) {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                long clientSeed = rnd.nextLong();
                done.add(clients.submit(() -> {
                    Random r = new Random(clientSeed);
                    for (int q = 0; q < 4; q++) {
                        List<String> mine = new ArrayList<>();
                        for (int k = 1 + r.nextInt(10); k > 0; k--) mine.add(texts.get(r.nextInt(texts.size())));
                        double theta = thetas[r.nextInt(thetas.length)];
                        boolean tei = r.nextBoolean();
                        ObjectNode req = Loopback.JSON.createObjectNode().put("theta", theta);
                        mine.forEach(req.putArray(tei ? "inputs" : "input")::add);
                        Loopback.Reply reply = http.postJson(tei ? "/embed" : "/v1/embeddings", req);
                        assertEquals(200, reply.status(), reply.text());
                        List<Embedding> want = expected(mine, policy.withTheta(theta));
                        for (int i = 0; i < mine.size(); i++) {
                            JsonNode v = tei ? reply.json().get(i) : reply.json().get("data").get(i).get("embedding");
                            assertArrayEquals(want.get(i).vector(), Loopback.floats(v), "seed " + seed);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        }
    }

    @Test
    void aFullQueueAnswers429WithRetryAfterAndLosesNoAcceptedWork() throws Exception {
        List<String> texts = TinyEncoders.texts(new Random(seed ^ 6), MAX_INPUTS);
        ObjectNode req = Loopback.JSON.createObjectNode();
        texts.forEach(req.putArray("input")::add);
        byte[] body = Loopback.JSON.writeValueAsBytes(req);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/embeddings"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        int requests = 3 * MAX_QUEUE / MAX_INPUTS + BATCH_TOKENS / 3 / MAX_INPUTS + 2;
        List<CompletableFuture<HttpResponse<byte[]>>> replies = new ArrayList<>();
        double admittedBefore = metric(server, "leap4j_admitted_inputs_total"), refusedBefore = rejectedQueueFull();
        int refused;
        // With the encoder's monitor held the scheduler stalls in the engine: at most one batch leaves the queue.
        synchronized (served) {
            for (int i = 0; i < requests; i++) replies.add(client.sendAsync(post, HttpResponse.BodyHandlers.ofByteArray()));
            // wait until every request was either admitted whole or refused
            while ((metric(server, "leap4j_admitted_inputs_total") - admittedBefore) / MAX_INPUTS + rejectedQueueFull() - refusedBefore < requests) {
                Thread.sleep(2);
            }
            refused = (int) (rejectedQueueFull() - refusedBefore);
        }
        assertTrue(refused > 0, "no request was refused");
        List<Embedding> want = expected(texts, policy);
        int ok = 0, tooMany = 0;
        for (CompletableFuture<HttpResponse<byte[]>> f : replies) {
            HttpResponse<byte[]> r = f.get();
            JsonNode root = Loopback.JSON.readTree(r.body());
            if (r.statusCode() == 429) {
                tooMany++;
                assertTrue(Integer.parseInt(r.headers().firstValue("Retry-After").orElseThrow()) >= 1);
                assertEquals("rate_limit_exceeded", root.get("error").get("code").textValue());
            } else {
                assertEquals(200, r.statusCode(), new String(r.body()));
                ok++;
                for (int i = 0; i < texts.size(); i++) assertArrayEquals(want.get(i).vector(), Loopback.floats(root.get("data").get(i).get("embedding")));
            }
        }
        assertTrue(ok > 0 && tooMany > 0, ok + " accepted, " + tooMany + " refused");
        assertEquals(200, http.postJson("/v1/embeddings", req).status(), "the server serves again once the queue drains");
    }

    private static double rejectedQueueFull() {
        String s = server.metrics().scrape();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^leap4j_rejected_requests_total\\{reason=\"queue_full\"} (\\S+)$").matcher(s);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void healthInfoAndMetrics() {
        Loopback.Reply r = http.get("/health");
        assertEquals(200, r.status());
        assertEquals("ok", r.json().get("status").textValue());
        r = http.get("/info");
        assertEquals(TinyEncoders.LAYERS, r.json().get("num_layers").intValue());
        assertEquals(TinyEncoders.MAX_LENGTH, r.json().get("max_input_length").intValue());
        assertEquals("fp32", r.json().get("weights").textValue());
        assertEquals(MAX_INPUTS, r.json().get("max_client_batch_size").intValue());
        assertFalse(r.json().get("early_exit_calibrated").booleanValue(), "a model without a calibration says so");
        assertEquals(policy.describe(), r.json().get("default_policy").textValue());
        // many distinct thetas must not become many series
        for (int i = 0; i < 5; i++) {
            assertEquals(200, http.postJson("/v1/embeddings", Loopback.JSON.createObjectNode().put("input", "probe " + i).put("theta", 0.5 + 0.1 * i)).status());
        }
        r = http.get("/metrics");
        assertEquals(200, r.status());
        assertTrue(r.header("content-type").startsWith("text/plain"));
        String m = r.text();
        for (String name : List.of("leap4j_request_seconds_bucket{endpoint=\"openai\",status=\"2xx\",le=",
                "leap4j_exit_layer_bucket{le=\"1.0\"}", "leap4j_exit_layer_bucket{le=\"" + TinyEncoders.LAYERS + ".0\"}",
                "leap4j_queue_depth", "leap4j_queue_tokens", "leap4j_batch_inputs_bucket", "leap4j_batch_tokens_bucket",
                "leap4j_tokens_total", "leap4j_queue_wait_seconds_bucket", "leap4j_rejected_requests_total{reason=\"bad_request\"}")) {
            assertTrue(m.contains(name), name + " missing");
        }
        assertFalse(m.contains("theta"), "theta must never be a label");
        long requestSeries = m.lines().filter(l -> l.startsWith("leap4j_request_seconds_count")).count();
        assertTrue(requestSeries <= 2 * 5, "request series " + requestSeries);
    }

    @Test
    void closeFinishesAcceptedRequestsThenRefusesAndStops() throws Exception {
        try (EarlyExitEncoder enc = TinyEncoders.create(seed, 1)) {
            EmbeddingServer s = EmbeddingServer.start(enc, ServerSettings.defaults(0, policy));
            Loopback client = new Loopback(s.port());
            List<String> texts = TinyEncoders.texts(new Random(seed ^ 7), 3);
            List<CompletableFuture<Loopback.Reply>> inFlight = new ArrayList<>();
            Thread closer;
            synchronized (enc) {
                for (String t : texts) {
                    inFlight.add(CompletableFuture.supplyAsync(() -> client.postJson("/v1/embeddings", Loopback.JSON.createObjectNode().put("input", t))));
                }
                while (metric(s, "leap4j_admitted_inputs_total") < texts.size()) Thread.sleep(2);
                closer = Thread.ofPlatform().start(s::close);
                Loopback.Reply health;
                while ((health = client.get("/health")).status() == 200) Thread.sleep(2);
                assertEquals(503, health.status());
                Loopback.Reply late = client.postJson("/v1/embeddings", Loopback.JSON.createObjectNode().put("input", "late"));
                assertEquals(503, late.status(), late.text());
            }
            closer.join();
            List<Embedding> want = expected(texts, policy);
            for (int i = 0; i < texts.size(); i++) {
                Loopback.Reply r = inFlight.get(i).join();
                assertEquals(200, r.status(), r.text());
                assertArrayEquals(want.get(i).vector(), Loopback.floats(r.json().get("data").get(0).get("embedding")));
            }
            assertThrows(java.io.UncheckedIOException.class, () -> client.get("/health"), "the port is closed after close()");
        }
    }

    private static double metric(EmbeddingServer s, String name) {
        return BatchSchedulerTest.metric(s.metrics().scrape(), name);
    }
}
