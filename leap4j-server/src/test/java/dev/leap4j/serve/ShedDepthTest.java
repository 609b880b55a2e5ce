package dev.leap4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.exit.EarlyExitEncoder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The depth controller end to end: a burst that waits past the latency target is served with fewer layers, each
 * answer exactly an offline run at the depth it reports; a request that opts out keeps its own setting; once the
 * queue drains, requests get full depth again.
 */
class ShedDepthTest {
    @Test
    void aBurstIsShedAndLaterRequestsGetFullDepthAgain() throws Exception {
        long seed = dev.leap4j.TestSeed.next();
        List<String> texts = TinyEncoders.texts(new Random(seed), 48);
        try (EarlyExitEncoder served = TinyEncoders.create(seed, 2); EarlyExitEncoder reference = TinyEncoders.create(seed, 1)) {
            int L = TinyEncoders.LAYERS;
            // a batch holds a few inputs at most, so the controller decides many times during the burst
            ServerSettings settings = ServerSettings.defaults(0, ExitPolicy.fullDepth()).withLimits(TinyEncoders.MAX_LENGTH, 1024, 32, 1 << 16)
                    .withShedding(new DepthController.Settings(Duration.ofMillis(50), 1));
            EmbeddingServer server = EmbeddingServer.start(served, settings);
            Loopback http = new Loopback(server.port());
            try (ExecutorService clients = Executors.newFixedThreadPool(texts.size() + 1)) {
                List<Future<Loopback.Reply>> replies = new ArrayList<>();
                Future<Loopback.Reply> optedOut;
                // holding the engine's monitor stalls the scheduler, so the burst queues up and waits past the target
                synchronized (served) {
                    for (String t : texts) replies.add(clients.submit(() -> http.postJson("/v1/embeddings", Loopback.JSON.createObjectNode().put("input", t))));
                    optedOut = clients.submit(() -> http.postJson("/v1/embeddings", Loopback.JSON.createObjectNode().put("input", texts.getFirst()).put("shed", false)));
                    Thread.sleep(600);
                }
                int shed = 0;
                for (int i = 0; i < texts.size(); i++) {
                    Loopback.Reply r = replies.get(i).get();
                    assertEquals(200, r.status(), "seed " + seed + ": every request is answered, none refused: " + r.text());
                    JsonNode d = r.json().get("data").get(0);
                    int depth = d.get("served_depth").intValue();
                    assertEquals(d.get("shed").booleanValue(), depth < L, "shed means fewer layers than asked for");
                    assertTrue(depth >= 1, "never below the floor");
                    assertEquals(depth, d.get("exit_layer").intValue(), "full depth asked, so the input runs to the cap");
                    Embedding want = reference.embedTokens(List.of(reference.tokenize(texts.get(i))), ExitPolicy.fullDepth().withDepth(depth)).getFirst();
                    assertArrayEquals(want.vector(), Loopback.floats(d.get("embedding")), "seed " + seed + ": an offline run at the served depth");
                    if (depth < L) shed++;
                }
                assertTrue(shed > 0, "seed " + seed + ": a burst that waited 600 ms against a 50 ms target must be shed");
                JsonNode own = optedOut.get().json().get("data").get(0);
                assertFalse(own.get("shed").booleanValue(), "a request that opts out is never shed");
                assertEquals(L, own.get("exit_layer").intValue());

                // the queue has drained: each lone request waits ~0 ms, so the cap climbs back one layer per batch
                JsonNode last = null;
                for (int i = 0; i < 2 * L && (last == null || last.get("shed").booleanValue()); i++) {
                    Loopback.Reply r = http.postJson("/v1/embeddings", Loopback.JSON.createObjectNode().put("input", texts.get(i)));
                    last = r.json().get("data").get(0);
                }
                assertFalse(last.get("shed").booleanValue(), "full depth again once the queue drains");
                assertEquals(L, last.get("served_depth").intValue());

                ObjectNode tei = Loopback.JSON.createObjectNode();
                tei.putArray("inputs").add(texts.get(1)).add(texts.get(2));
                Loopback.Reply r = http.postJson("/embed", tei);
                // two inputs may land in two batches, and a slow one (a GC pause) may shed the second: the headers must agree
                String[] depths = r.header("x-served-depths").split(",");
                assertEquals(2, depths.length);
                String shedList = r.header("x-shed-inputs") == null ? "" : r.header("x-shed-inputs");
                for (int i = 0; i < 2; i++) {
                    int d = Integer.parseInt(depths[i]);
                    assertTrue(d >= 1 && d <= L);
                    assertEquals(d < L, java.util.Arrays.asList(shedList.split(",")).contains(Integer.toString(i)), r.header("x-served-depths") + " / " + shedList);
                }
                String metrics = http.get("/metrics").text();
                double counted = metrics.lines().filter(l -> l.startsWith("leap4j_shed_inputs_total ")).mapToDouble(l -> Double.parseDouble(l.split(" ")[1]))
                        .findFirst().orElse(-1);
                assertTrue(counted >= shed, "the burst's shed inputs (and any shed while the cap climbed back) are counted: " + counted);
                double cap = metrics.lines().filter(l -> l.startsWith("leap4j_shed_depth_cap ")).mapToDouble(l -> Double.parseDouble(l.split(" ")[1]))
                        .findFirst().orElse(-1);
                assertTrue(cap >= 1 && cap <= L, "the cap gauge: " + cap);
                assertEquals(1, http.get("/info").json().at("/shedding/floor_depth").intValue());
            } finally {
                server.close();
            }
        }
    }
}
