package dev.leap4j.serve;

import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.tokenize.TokenizedText;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchSchedulerTest {
    @Test
    void anInputsResultDoesNotDependOnWhatItWasBatchedWith() throws Exception {
        long seed = dev.leap4j.TestSeed.next();
        Random rnd = new Random(seed);
        String msg = "seed " + seed;
        try (EarlyExitEncoder enc = TinyEncoders.create(seed, 1 + rnd.nextInt(2))) {
            List<String> texts = TinyEncoders.texts(rnd, 60 + rnd.nextInt(40));
            List<TokenizedText> tokens = enc.tokenizer().encodeAll(texts);
            ExitPolicy mixed = TinyEncoders.mixedPolicy(enc, texts);
            ExitPolicy[] policies = {mixed, mixed.withTheta(1.01), mixed.withTheta(Math.min(1, mixed.theta() + 0.005))};
            int budget = TinyEncoders.MAX_LENGTH + rnd.nextInt(4 * TinyEncoders.MAX_LENGTH);
            ServeMetrics metrics = new ServeMetrics(enc.numLayers());
            BatchScheduler s = new BatchScheduler(enc, budget, 100_000, metrics);
            try {
                // alone: each input is the only row of its batch
                Embedding[] alone = new Embedding[texts.size()];
                for (int i = 0; i < texts.size(); i++) {
                    alone[i] = s.submit(List.of(tokens.get(i)), policies[i % 3], raw(i)).getFirst().join().embedding();
                }
                // together: six clients submit random chunks at once, so batches mix inputs, lengths and clients
                Embedding[] together = new Embedding[texts.size()];
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < texts.size(); i++) order.add(i);
                java.util.Collections.shuffle(order, rnd);
                try (ExecutorService clients = Executors.newFixedThreadPool(6)) {
                    List<Future<?>> done = new ArrayList<>();
                    for (int c = 0; c < 6; c++) {
                        int client = c;
                        long clientSeed = rnd.nextLong();
                        done.add(clients.submit(() -> {
                            Random r = new Random(clientSeed);
                            List<Integer> mine = new ArrayList<>();
                            for (int k = client; k < order.size(); k += 6) mine.add(order.get(k));
                            // one request per policy and raw flag, each in random-sized pieces
                            for (int from = 0; from < mine.size(); ) {
                                int to = Math.min(mine.size(), from + 1 + r.nextInt(8));
                                List<CompletableFuture<BatchScheduler.Served>> fs = new ArrayList<>();
                                List<Integer> ids = new ArrayList<>();
                                for (int k = from; k < to; k++) {
                                    int i = mine.get(k);
                                    fs.add(s.submit(List.of(tokens.get(i)), policies[i % 3], raw(i)).getFirst());
                                    ids.add(i);
                                }
                                for (int k = 0; k < fs.size(); k++) together[ids.get(k)] = fs.get(k).join().embedding();
                                from = to;
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : done) f.get();
                }
                int early = 0;
                for (int i = 0; i < texts.size(); i++) {
                    assertNotNull(together[i], msg);
                    assertEquals(alone[i].exitLayer(), together[i].exitLayer(), msg + ": exit layer of input " + i);
                    assertArrayEquals(alone[i].vector(), together[i].vector(), msg + ": embedding of input " + i);
                    assertEquals(alone[i].tokens(), together[i].tokens(), msg);
                    if (i % 3 == 1) assertEquals(enc.numLayers(), together[i].exitLayer(), msg + ": theta above 1 means full depth");
                    if (together[i].exitLayer() < enc.numLayers()) early++;
                }
                assertTrue(early > 0, msg + ": the mixed policy should make some inputs exit early, or the test proves little");
                String scrape = metrics.scrape();
                assertTrue(metric(scrape, "leap4j_batch_tokens_max") <= budget, msg + ": a batch exceeded the token budget " + budget);
                assertTrue(metric(scrape, "leap4j_batch_inputs_count") < 2 * texts.size(), msg + ": concurrent inputs were never batched together");
                assertEquals(2.0 * texts.size(), metric(scrape, "leap4j_inputs_total"), msg);
            } finally {
                s.close(Duration.ofSeconds(30));
            }
        }
    }

    private static boolean raw(int i) {
        return i % 5 == 4;
    }

    @Test
    void rawOutputIsThePreNormStateOfTheSameExit() {
        long seed = dev.leap4j.TestSeed.next();
        Random rnd = new Random(seed);
        try (EarlyExitEncoder enc = TinyEncoders.create(seed, 2)) {
            List<String> texts = TinyEncoders.texts(rnd, 40);
            ExitPolicy policy = TinyEncoders.mixedPolicy(enc, texts);
            List<TokenizedText> tokens = enc.tokenizer().encodeAll(texts);
            BatchScheduler s = new BatchScheduler(enc, 4096, 1000, null);
            try {
                List<Embedding> normal = s.submit(tokens, policy, false).stream().map(f -> f.join().embedding()).toList();
                List<Embedding> raw = s.submit(tokens, policy, true).stream().map(f -> f.join().embedding()).toList();
                for (int i = 0; i < texts.size(); i++) {
                    assertEquals(normal.get(i).exitLayer(), raw.get(i).exitLayer(), "seed " + seed + " input " + i);
                    float[] v = raw.get(i).vector().clone();
                    double norm = Math.sqrt(dev.leap4j.tensor.Kernels.dot(v, 0, v, 0, v.length));
                    assertTrue(Math.abs(norm - 1) > 1e-3, "seed " + seed + ": a raw mean-pooled state is not a unit vector");
                    EarlyExitEncoder.normalize(v);
                    assertArrayEquals(normal.get(i).vector(), v, "seed " + seed + " input " + i);
                }
            } finally {
                s.close();
            }
        }
    }

    @Test
    void aFullQueueRefusesWholeRequestsAndCloseDrainsWhatWasAccepted() throws Exception {
        long seed = dev.leap4j.TestSeed.next();
        Random rnd = new Random(seed);
        int capacity = 2 + rnd.nextInt(6);
        try (EarlyExitEncoder enc = TinyEncoders.create(seed, 1)) {
            List<TokenizedText> tokens = enc.tokenizer().encodeAll(TinyEncoders.texts(rnd, 64));
            ExitPolicy policy = ExitPolicy.uncalibrated(enc.numLayers()).withTheta(ExitPolicy.PAPER_THETA);
            BatchScheduler s = new BatchScheduler(enc, 4096, capacity, null);
            List<CompletableFuture<BatchScheduler.Served>> accepted = new ArrayList<>();
            Thread closer;
            // Holding the encoder's monitor stalls the scheduler inside the engine, so the queue can only grow.
            synchronized (enc) {
                // the first input is taken at once, and the scheduler then waits for the monitor with it
                accepted.addAll(s.submit(List.of(tokens.get(0)), policy, false));
                while (s.queuedInputs() > 0) Thread.sleep(1);
                BatchScheduler.QueueFullException full = null;
                for (int i = 1; i < 64 && full == null; i++) {
                    try {
                        accepted.addAll(s.submit(List.of(tokens.get(i)), policy, false));
                    } catch (BatchScheduler.QueueFullException e) {
                        full = e;
                    }
                }
                assertNotNull(full, "a queue of " + capacity + " never filled");
                assertTrue(full.retryAfterSeconds >= 1);
                int queued = s.queuedInputs();
                assertEquals(capacity, queued, "seed " + seed);
                assertThrows(BatchScheduler.QueueFullException.class, () -> s.submit(tokens.subList(0, 2), policy, false));
                assertEquals(queued, s.queuedInputs(), "a refused request must leave nothing queued");
                closer = Thread.ofPlatform().start(() -> s.close(Duration.ofSeconds(60)));
                // once closing has begun, new work is refused
                while (true) {
                    try {
                        s.submit(List.of(tokens.get(0)), policy, false).getFirst().cancel(false);
                        Thread.sleep(1);
                    } catch (BatchScheduler.ClosedException e) {
                        break;
                    } catch (BatchScheduler.QueueFullException e) {
                        Thread.sleep(1);
                    }
                }
            }
            closer.join();
            List<Embedding> expected = enc.embedTokens(tokens.subList(0, accepted.size()), policy);
            for (int i = 0; i < accepted.size(); i++) {
                assertArrayEquals(expected.get(i).vector(), accepted.get(i).join().embedding().vector(), "accepted work must finish on close, seed " + seed);
            }
            assertThrows(BatchScheduler.ClosedException.class, () -> s.submit(List.of(tokens.get(0)), policy, false));
        }
    }

    @Test
    void anEngineFailureFailsOnlyItsOwnBatch() {
        try (EarlyExitEncoder enc = TinyEncoders.create(3, 1)) {
            BatchScheduler s = new BatchScheduler(enc, 4096, 100, null);
            try {
                // a token id outside the vocabulary makes the engine throw for this batch only
                TokenizedText bad = new TokenizedText(new int[]{101, 1 << 20, 102}, new int[3], false);
                CompletionException e = assertThrows(CompletionException.class, () -> s.submit(List.of(bad), ExitPolicy.fullDepth(), false).getFirst().join());
                assertInstanceOf(RuntimeException.class, e.getCause());
                TokenizedText good = enc.tokenize("still serving");
                assertArrayEquals(enc.embedTokens(List.of(good), ExitPolicy.fullDepth()).getFirst().vector(),
                        s.submit(List.of(good), ExitPolicy.fullDepth(), false).getFirst().join().embedding().vector());
            } finally {
                s.close();
            }
        }
    }

    @Test
    void refusesABudgetBelowTheModelsMaxLength() {
        try (EarlyExitEncoder enc = TinyEncoders.create(1, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BatchScheduler(enc, TinyEncoders.MAX_LENGTH - 1, 10, null));
            assertTrue(e.getMessage().contains("max batch tokens"), e.getMessage());
        }
    }

    static double metric(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(scrape);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
            found = true;
        }
        if (!found) throw new AssertionError("metric " + name + " missing from:\n" + scrape);
        return sum;
    }
}
