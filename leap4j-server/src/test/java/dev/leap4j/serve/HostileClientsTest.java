package dev.leap4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.ExitPolicy;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that try to tie the server up: bodies trickled a byte at a time, bodies that never come, lengths that
 * lie, headers sent a line at a time. A well-behaved client beside them must get every answer, exact; the hostile
 * ones get a 4xx (408, 413) or a closed connection. Bounds are generous: this checks behaviour, not speed.
 */
class HostileClientsTest {
    static final int TRICKLERS = 16, SILENT = 8, SLOWLORIS = 16, GOOD_REQUESTS = 30;

    @Test
    void slowAndLyingClientsCostOnlyTheirOwnConnections() throws Exception {
        long seed = dev.leap4j.TestSeed.next();
        Random rnd = new Random(seed);
        ServerSettings.ClientLimits limits = new ServerSettings.ClientLimits(Duration.ofSeconds(3), 1024, 0, null, false);
        try (EarlyExitEncoder served = TinyEncoders.create(seed, 2); EarlyExitEncoder reference = TinyEncoders.create(seed, 1)) {
            ExitPolicy policy = TinyEncoders.mixedPolicy(reference, TinyEncoders.texts(new Random(seed), 64));
            EmbeddingServer server = EmbeddingServer.start(served, ServerSettings.defaults(0, policy).withClientLimits(limits));
            AtomicBoolean stop = new AtomicBoolean();
            int hostile = TRICKLERS + SILENT + SLOWLORIS + 1;
            try (ExecutorService pool = Executors.newFixedThreadPool(hostile + 1)) {
                List<Future<String>> outcomes = new ArrayList<>();
                for (int i = 0; i < TRICKLERS; i++) outcomes.add(pool.submit(() -> trickleBody(server.port())));
                for (int i = 0; i < SILENT; i++) outcomes.add(pool.submit(() -> silentBody(server.port())));
                for (int i = 0; i < SLOWLORIS; i++) outcomes.add(pool.submit(() -> slowHeaders(server.port(), stop)));
                Future<Integer> liar = pool.submit(() -> lyingLength(server.port()));
                Thread.sleep(300); // let every hostile connection get in first

                Loopback http = new Loopback(server.port());
                for (int i = 0; i < GOOD_REQUESTS; i++) {
                    List<String> texts = TinyEncoders.texts(rnd, 1 + rnd.nextInt(4));
                    StringBuilder body = new StringBuilder("{\"input\": [");
                    for (int t = 0; t < texts.size(); t++) body.append(t == 0 ? "" : ",").append(Loopback.JSON.writeValueAsString(texts.get(t)));
                    Loopback.Reply r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/embeddings"))
                            .POST(HttpRequest.BodyPublishers.ofString(body + "]}")).timeout(Duration.ofSeconds(20)).build());
                    assertEquals(200, r.status(), "well-behaved request " + i + " beside hostile clients (seed " + seed + "): " + r.text());
                    JsonNode data = r.json().get("data");
                    for (int t = 0; t < texts.size(); t++) {
                        float[] want = reference.embedTokens(List.of(reference.tokenize(texts.get(t))), policy).getFirst().vector();
                        assertArrayEquals(want, Loopback.floats(data.get(t).get("embedding")), "seed " + seed);
                    }
                }
                assertEquals(413, liar.get(20, TimeUnit.SECONDS), "a declared length over the limit is refused from the headers alone");
                // slow bodies are cut off by the server (408 or a closed connection) within the body timeout, long
                // before the test would stop them
                for (Future<String> f : outcomes.subList(0, TRICKLERS + SILENT)) {
                    String o = f.get(30, TimeUnit.SECONDS);
                    assertTrue(o.equals("closed") || o.equals("408"), "a slow body ended with " + o + " (seed " + seed + ")");
                }
                stop.set(true);
                for (Future<String> f : outcomes.subList(TRICKLERS + SILENT, outcomes.size())) {
                    String o = f.get(30, TimeUnit.SECONDS);
                    assertTrue(o.equals("closed") || o.startsWith("4") || o.equals("stopped"), "a slowloris client ended with " + o);
                }
            } finally {
                server.close();
            }
        }
    }

    /** Honest headers, then the body one byte every 250 ms: below any sane data rate. */
    private static String trickleBody(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(headers(1000).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (int i = 0; i < 100; i++) {
                try {
                    out.write('[');
                    out.flush();
                } catch (IOException e) {
                    return "closed";
                }
                String status = statusIfAny(s, 250);
                if (status != null) return status;
            }
            return "still open after 25 s";
        }
    }

    /** Honest headers and then nothing. */
    private static String silentBody(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(headers(100).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (long end = System.nanoTime() + 25_000_000_000L; System.nanoTime() < end; ) {
                String status = statusIfAny(s, 250);
                if (status != null) return status;
            }
            return "still open after 25 s";
        }
    }

    /** Headers a line at a time, never finished: Jetty's header timeout or the end of the test ends it. */
    private static String slowHeaders(int port, AtomicBoolean stop) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write("POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; !stop.get(); i++) {
                try {
                    out.write(("X-Slow-" + i + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    return "closed";
                }
                String status = statusIfAny(s, 500);
                if (status != null) return status;
            }
            return "stopped";
        }
    }

    /** Declares a huge body, sends one byte and waits: the answer must come without the rest. */
    private static int lyingLength(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write((headers(99_999_999_999L) + "{").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = statusIfAny(s, 15_000);
            assertNotNull(status, "no answer to a lying Content-Length");
            assertFalse(status.equals("closed"), "the server should answer 413, not just close");
            return Integer.parseInt(status);
        }
    }

    static String headers(long contentLength) {
        return "POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + contentLength + "\r\n\r\n";
    }

    /** The status code of a response that has started arriving, "closed" at end of stream, null if nothing came within waitMs. */
    static String statusIfAny(Socket s, int waitMs) throws IOException {
        s.setSoTimeout(Math.max(1, Math.min(waitMs, 100)));
        InputStream in = s.getInputStream();
        long end = System.nanoTime() + waitMs * 1_000_000L;
        byte[] buf = new byte[12];
        int got = 0;
        while (System.nanoTime() < end || got > 0) {
            try {
                int n = in.read(buf, got, buf.length - got);
                if (n < 0) return got >= 12 ? new String(buf, 9, 3, StandardCharsets.US_ASCII) : "closed";
                got += n;
                if (got >= 12) return new String(buf, 9, 3, StandardCharsets.US_ASCII);
            } catch (SocketTimeoutException e) {
                if (got > 0 && System.nanoTime() > end + 5_000_000_000L) return "closed"; // a torn status line
            } catch (IOException e) {
                return "closed";
            }
        }
        return null;
    }
}
