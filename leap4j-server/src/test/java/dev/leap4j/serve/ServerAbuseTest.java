package dev.leap4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Over a thousand malformed requests mixed with valid ones from concurrent clients: every bad one gets a 4xx
 * with a JSON error, every valid one the engine's exact answer, and the server stays up with a heap that does
 * not grow with the abuse.
 */
class ServerAbuseTest {
    static final int BAD = 1050, GOOD = 100, CLIENTS = 4, MAX_BODY = 64 << 10, MAX_INPUTS = 16;

    /** One request and what must come back: a 4xx (bad) or the embeddings of these texts (good). */
    record Call(String path, String method, byte[] body, boolean bad, List<String> texts, double theta, boolean tei, boolean normalize,
                Integer dimensions, boolean base64) {}

    @Test
    void malformedRequestsGet4xxAndNeverDisturbValidOnes() throws Exception {
        long seed = dev.leap4j.TestSeed.next();
        Random rnd = new Random(seed);
        try (EarlyExitEncoder served = TinyEncoders.create(seed, 2); EarlyExitEncoder reference = TinyEncoders.create(seed, 1)) {
            ExitPolicy policy = TinyEncoders.mixedPolicy(reference, TinyEncoders.texts(new Random(seed), 64));
            EmbeddingServer server = EmbeddingServer.start(served, ServerSettings.defaults(0, policy).withLimits(512, 4096, MAX_INPUTS, MAX_BODY));
            try {
                Loopback http = new Loopback(server.port());
                List<Call> calls = new ArrayList<>();
                for (int i = 0; i < GOOD; i++) calls.add(good(rnd, policy));
                for (int i = 0; i < BAD; i++) calls.add(bad(rnd));
                Collections.shuffle(calls, rnd);
                // warm-up, then the heap baseline
                for (int i = 0; i < 20; i++) run(http, calls.get(i), reference, policy, seed);
                long before = usedHeapAfterGc();
                try (ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
                    List<Future<?>> done = new ArrayList<>();
                    for (int c = 0; c < CLIENTS; c++) {
                        int client = c;
                        done.add(clients.submit(() -> {
                            for (int i = client; i < calls.size(); i += CLIENTS) run(http, calls.get(i), reference, policy, seed);
                            return null;
                        }));
                    }
                    for (Future<?> f : done) f.get();
                }
                long after = usedHeapAfterGc();
                assertTrue(after - before < 96L << 20, "heap grew by " + ((after - before) >> 20) + " MiB over the abuse run");
                assertEquals(200, http.get("/health").status());
                String scrape = server.metrics().scrape();
                long refusedByHandlers = calls.stream().filter(c -> c.bad() && c.method().equals("POST") && (c.path().equals("/embed") || c.path().equals("/v1/embeddings"))).count();
                long warmRefused = calls.subList(0, 20).stream().filter(c -> c.bad() && c.method().equals("POST") && (c.path().equals("/embed") || c.path().equals("/v1/embeddings"))).count();
                assertEquals(refusedByHandlers + warmRefused, BatchSchedulerTest.metric(scrape, "leap4j_rejected_requests_total"), "every refusal is counted once");
                assertEquals(0.0, BatchSchedulerTest.metric(scrape, "leap4j_engine_failures_total"), "no bad request may reach the engine");
            } finally {
                server.close();
            }
        }
    }

    private static void run(Loopback http, Call call, EarlyExitEncoder reference, ExitPolicy policy, long seed) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort(http) + call.path())).timeout(Duration.ofSeconds(60));
        b = call.method().equals("POST") ? b.POST(HttpRequest.BodyPublishers.ofByteArray(call.body())) : b.method(call.method(), HttpRequest.BodyPublishers.noBody());
        Loopback.Reply r = http.send(b.build());
        String what = "seed " + seed + ", " + call.method() + " " + call.path() + " " + preview(call.body()) + " -> " + r.status() + " " + r.text();
        if (call.bad()) {
            assertTrue(r.status() >= 400 && r.status() < 500, what);
            JsonNode e = r.json();
            assertTrue(e.has("error"), what);
            return;
        }
        assertEquals(200, r.status(), what);
        JsonNode root = r.json();
        for (int i = 0; i < call.texts().size(); i++) {
            Embedding want = reference.embedTokens(List.of(reference.tokenize(call.texts().get(i))), policy.withTheta(call.theta())).getFirst();
            float[] v = want.vector();
            if (!call.normalize()) v = reference.trace(List.of(reference.tokenize(call.texts().get(i))))[0][want.exitLayer() - 1];
            if (call.dimensions() != null && call.dimensions() < v.length) {
                v = Arrays.copyOf(v, call.dimensions());
                if (call.normalize()) EarlyExitEncoder.normalize(v);
            }
            float[] got;
            if (call.tei()) got = Loopback.floats(root.get(i));
            else if (call.base64()) got = Loopback.fromBase64(root.get("data").get(i).get("embedding").textValue());
            else got = Loopback.floats(root.get("data").get(i).get("embedding"));
            assertArrayEquals(v, got, what);
        }
    }

    private static int httpPort(Loopback http) {
        return http.port;
    }

    private static Call good(Random rnd, ExitPolicy policy) {
        boolean tei = rnd.nextBoolean();
        List<String> texts = TinyEncoders.texts(rnd, 1 + rnd.nextInt(MAX_INPUTS / 2));
        double theta = rnd.nextInt(3) == 0 ? 1.01 : policy.theta();
        ObjectNode req = Loopback.JSON.createObjectNode();
        texts.forEach(req.putArray(tei ? "inputs" : "input")::add);
        if (theta != policy.theta() || rnd.nextBoolean()) req.put("theta", theta);
        Integer dims = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(32) : null;
        if (dims != null) req.put("dimensions", dims);
        boolean normalize = true, base64 = false;
        if (tei && rnd.nextInt(4) == 0) {
            normalize = false;
            req.put("normalize", false);
        }
        if (!tei && rnd.nextBoolean()) {
            base64 = rnd.nextBoolean();
            req.put("encoding_format", base64 ? "base64" : "float");
        }
        return new Call(tei ? "/embed" : "/v1/embeddings", "POST", bytes(req), false, texts, theta, tei, normalize, dims, base64);
    }

    /** Requests that are wrong by construction, whatever the random draw. */
    private static Call bad(Random rnd) {
        boolean tei = rnd.nextBoolean();
        String path = tei ? "/embed" : "/v1/embeddings";
        String field = tei ? "inputs" : "input";
        String valid = "{\"" + field + "\": [\"hello there\", \"general kenobi\"], \"theta\": 0.9}";
        Function<String, Call> post = body -> new Call(path, "POST", body.getBytes(StandardCharsets.UTF_8), true, null, 0, tei, true, null, false);
        return switch (rnd.nextInt(22)) {
            case 0 -> post.apply(valid.substring(0, rnd.nextInt(valid.length() - 1)));                // any strict prefix
            case 1 -> {
                byte[] b = new byte[1 + rnd.nextInt(200)];
                rnd.nextBytes(b);
                b[0] = (byte) 0xff;                                                                      // never valid UTF-8
                yield new Call(path, "POST", b, true, null, 0, tei, true, null, false);
            }
            case 2 -> post.apply("{\"" + field + "\": " + pick(rnd, "1", "true", "{}", "{\"a\": \"b\"}", "null", "[]", "[null]", "[1.5]", "[[]]", "[true]", "[{}]") + "}");
            case 3 -> post.apply("{\"" + field + "\": \"x\", \"dimensions\": " + pick(rnd, "0", "-3", "100000", "2.5", "\"8\"", "true", "[8]", "1e400", "99999999999999999999") + "}");
            case 4 -> post.apply("{\"" + field + "\": \"x\", \"theta\": " + pick(rnd, "0", "-0.5", "3", "\"0.9\"", "false", "[0.9]", "{}", "1e400", "-1e400") + "}");
            case 5 -> post.apply("{\"" + field + "\": \"x\", \"truncate\": " + pick(rnd, "1", "\"false\"", "[]", "{}") + "}");
            case 6 -> post.apply("{\"" + field + "\": \"x\", \"" + randomName(rnd) + "\": " + pick(rnd, "1", "null", "\"v\"", "[]") + "}");
            case 7 -> post.apply("{\"" + field + "\": \"a\\ud8" + Integer.toHexString(0x10 + rnd.nextInt(0x30)) + "b\"}");                    // unpaired surrogate
            case 8 -> post.apply("{\"" + field + "\": \"a\", \"" + field + "\": \"b\"}");                  // duplicate key
            case 9 -> post.apply(valid + pick(rnd, " x", "{}", "]", " 1", ","));                           // trailing content
            case 10 -> post.apply("{\"" + field + "\": " + "[".repeat(2000 + rnd.nextInt(50_000)) + "]".repeat(10) + "}"); // nesting bomb
            case 11 -> post.apply("{\"" + field + "\": \"" + "y".repeat(MAX_BODY + rnd.nextInt(1000)) + "\"}"); // body too large
            case 12 -> {
                StringBuilder sb = new StringBuilder("{\"" + field + "\": [");
                for (int i = 0; i <= MAX_INPUTS + rnd.nextInt(10); i++) sb.append(i == 0 ? "" : ",").append("\"t\"");
                yield post.apply(sb + "]}");                                                           // too many inputs
            }
            case 13 -> post.apply("{\"" + field + "\": \"" + "long ".repeat(4 * TinyEncoders.MAX_LENGTH) + "\", \"truncate\": false}");
            case 14 -> tei ? post.apply("{\"inputs\": \"x\", \"normalize\": " + pick(rnd, "0", "\"no\"", "[]") + "}")
                    : post.apply("{\"input\": \"x\", \"encoding_format\": " + pick(rnd, "\"int8\"", "\"\"", "1", "null2") + "}");
            case 15 -> post.apply(pick(rnd, "", " ", "null", "[]", "\"text\"", "42", "true", "[{\"input\": \"x\"}]"));
            case 16 -> post.apply("{\"" + field + "\": \"x\", \"model\": " + pick(rnd, "1", "[]", "{}", "false") + "}");
            case 17 -> post.apply("{\"" + field + "\": \"x\"" + pick(rnd, "", ",", ", \"theta\"", ", \"theta\":") + pick(rnd, "", " ") );
            case 18 -> post.apply("{\"" + field + "\": 1" + "0".repeat(1500 + rnd.nextInt(2000)) + "}");      // number too long
            case 19 -> new Call(pick(rnd, "/v1/embedding", "/embeddings", "/v2/embeddings", "/", "/embed/x"), "POST", valid.getBytes(StandardCharsets.UTF_8), true, null, 0, tei, true, null, false);
            case 20 -> new Call(path, pick(rnd, "PUT", "DELETE", "PATCH"), valid.getBytes(StandardCharsets.UTF_8), true, null, 0, tei, true, null, false);
            default -> post.apply(tei ? "{\"inputs\": \"x\", \"truncation_direction\": " + pick(rnd, "\"Left\"", "\"right\"", "1") + "}"
                    : "{\"input\": \"\"}");
        };
    }

    private static String randomName(Random rnd) {
        String[] names = {"inpt", "Input", "encodingFormat", "dimension", "normalise", "temperature", "theta ", "", "\\u00e9"};
        return names[rnd.nextInt(names.length)];
    }

    @SafeVarargs
    private static <T> T pick(Random rnd, T... options) {
        return options[rnd.nextInt(options.length)];
    }

    private static byte[] bytes(ObjectNode n) {
        try {
            return Loopback.JSON.writeValueAsBytes(n);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String preview(byte[] body) {
        String s = new String(body, 0, Math.min(body.length, 160), StandardCharsets.UTF_8);
        return body.length > 160 ? s + "...(" + body.length + " bytes)" : s;
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }
}
