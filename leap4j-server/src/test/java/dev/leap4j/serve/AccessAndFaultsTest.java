package dev.leap4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.model.Pooling;
import dev.leap4j.tokenize.TextTokenizer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The API key, in both APIs' error schemas, and internal faults that reach the client only as a request id. */
class AccessAndFaultsTest {
    static final String KEY = "k3y-" + Long.toHexString(new Random().nextLong());

    static ServerSettings.ClientLimits withKey(boolean protectMetrics) {
        return new ServerSettings.ClientLimits(Duration.ofSeconds(10), 1024, 0, KEY, protectMetrics);
    }

    static Loopback.Reply post(Loopback http, String path, String body, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(30));
        if (authorization != null) b.header("Authorization", authorization);
        return http.send(b.build());
    }

    static Loopback.Reply get(Loopback http, String path, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port + path)).GET().timeout(Duration.ofSeconds(30));
        if (authorization != null) b.header("Authorization", authorization);
        return http.send(b.build());
    }

    @Test
    void theKeyGuardsTheEmbeddingEndpointsAndOptionallyMetrics() {
        long seed = dev.leap4j.TestSeed.next();
        try (EarlyExitEncoder enc = TinyEncoders.create(seed, 1)) {
            ServerSettings base = ServerSettings.defaults(0, ExitPolicy.uncalibrated(TinyEncoders.LAYERS).withTheta(ExitPolicy.PAPER_THETA));
            EmbeddingServer server = EmbeddingServer.start(enc, base.withClientLimits(withKey(false)));
            try {
                Loopback http = new Loopback(server.port());
                for (String wrong : new String[]{null, "Bearer", "Bearer ", "Bearer wrong", "Basic " + KEY, "Bearer " + KEY + "x", "Bearer " + KEY.substring(1)}) {
                    Loopback.Reply o = post(http, "/v1/embeddings", "{\"input\": \"hello\"}", wrong);
                    assertEquals(401, o.status(), "OpenAI endpoint with Authorization " + wrong);
                    assertEquals("authentication_error", o.json().get("error").get("type").asText());
                    assertEquals("invalid_api_key", o.json().get("error").get("code").asText());
                    assertEquals("Bearer", o.header("WWW-Authenticate"));
                    Loopback.Reply t = post(http, "/embed", "{\"inputs\": \"hello\"}", wrong);
                    assertEquals(401, t.status(), "TEI endpoint with Authorization " + wrong);
                    assertEquals("unauthorized", t.json().get("error_type").asText());
                    assertFalse(t.text().contains(KEY), "the key is never echoed");
                }
                assertEquals(200, post(http, "/v1/embeddings", "{\"input\": \"hello\"}", "Bearer " + KEY).status());
                assertEquals(200, post(http, "/embed", "{\"inputs\": \"hello\"}", "bearer " + KEY).status());
                assertEquals(200, get(http, "/health", null).status());
                assertEquals(200, get(http, "/info", null).status());
                assertEquals(200, get(http, "/metrics", null).status(), "metrics are open unless protected");
                assertTrue(server.metrics().scrape().contains("reason=\"unauthorized\""));
            } finally {
                server.close();
            }
            EmbeddingServer guarded = EmbeddingServer.start(enc, base.withClientLimits(withKey(true)));
            try {
                Loopback http = new Loopback(guarded.port());
                assertEquals(401, get(http, "/metrics", null).status());
                assertEquals(200, get(http, "/metrics", "Bearer " + KEY).status());
                assertEquals(200, get(http, "/health", null).status());
            } finally {
                guarded.close();
            }
        }
    }

    @Test
    void anEngineFaultIsAnsweredWithARequestIdAndNoExceptionText() throws Exception {
        // a vocabulary far smaller than the tokenizer's: the engine fails on the first real word
        BertConfig cfg = new BertConfig(200, 32, 2, 2, 64, 128, 2, 1e-12f, Pooling.MEAN, true, TinyEncoders.MAX_LENGTH);
        try (EarlyExitEncoder enc = new EarlyExitEncoder(cfg, BertWeights.random(cfg, 1), TextTokenizer.load(TinyEncoders.tokenizerJson(), TinyEncoders.MAX_LENGTH), 1, "broken")) {
            EmbeddingServer server = EmbeddingServer.start(enc, ServerSettings.defaults(0, ExitPolicy.uncalibrated(2).withTheta(ExitPolicy.PAPER_THETA)));
            try {
                Loopback http = new Loopback(server.port());
                for (String path : new String[]{"/v1/embeddings", "/embed"}) {
                    Loopback.Reply r = http.post(path, path.equals("/embed") ? "{\"inputs\": \"mountain river\"}" : "{\"input\": \"mountain river\"}");
                    assertEquals(500, r.status(), r.text());
                    String id = r.header("x-request-id");
                    assertNotNull(id, "the response carries the request id");
                    JsonNode e = r.json();
                    String message = path.equals("/embed") ? e.get("error").asText() : e.get("error").get("message").asText();
                    assertTrue(message.contains(id), message);
                    for (String leak : new String[]{"Exception", "at dev.", "Index", "bounds", "java."}) assertFalse(r.text().contains(leak), "leaked " + leak + ": " + r.text());
                }
                assertEquals(200, http.get("/health").status(), "the server stays up");
            } finally {
                server.close();
            }
        }
    }
}
