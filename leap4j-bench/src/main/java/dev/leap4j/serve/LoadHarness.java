package dev.leap4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.load.ModelLocator;

import java.io.BufferedReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load test over loopback (not a unit test; run by bench/serve-load.sh): starts the server in this JVM, then
 * for each theta runs N concurrent clients for a fixed time, each sending OpenAI requests of 1-4 texts of mixed
 * length (STS-B sentences, some SciFact abstracts). Reports errors, p50/p99 latency, throughput, the exit
 * distribution, and the speedup that distribution predicts (token-weighted layers saved) against the speedup
 * measured relative to the first theta. Stops by itself.
 */
public final class LoadHarness {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Phase(double theta, long requests, long inputs, long tokens, long errors, double seconds, long[] latenciesNanos,
                 long tokenLayers, long exitTokenLayers, long[] exitsByLayer, double meanBatchInputs) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>(Map.of("--model", "e5-small-v2", "--seconds", "60", "--warmup", "10", "--clients", "32",
                "--thetas", "1.01,0.95", "--data", "../shared/data", "--cache", "target/model-cache", "--seed", "42", "--baseline-only", "false"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!opt.containsKey(args[i]) && !args[i].equals("--threads")) throw new IllegalArgumentException("unknown option " + args[i]);
            opt.put(args[i], args[i + 1]);
        }
        int seconds = Integer.parseInt(opt.get("--seconds")), clients = Integer.parseInt(opt.get("--clients"));
        int threads = opt.containsKey("--threads") ? Integer.parseInt(opt.get("--threads")) : Runtime.getRuntime().availableProcessors();
        double[] thetas = Arrays.stream(opt.get("--thetas").split(",")).mapToDouble(Double::parseDouble).toArray();
        List<String> sentences = stsb(Path.of(opt.get("--data"), "stsb/derived/sts-dev.tsv"));
        List<String> abstracts = scifact(Path.of(opt.get("--data"), "beir/scifact/corpus.jsonl"), 400);

        try (EarlyExitEncoder enc = new EarlyExitEncoder(ModelLocator.load(opt.get("--model"), Path.of(opt.get("--cache"))), threads)) {
            if (Boolean.parseBoolean(opt.get("--baseline-only"))) {
                Map<String, Integer> tokenCount = new HashMap<>();
                for (String t : sentences) tokenCount.put(t, enc.tokenize(t).length());
                for (String t : abstracts) tokenCount.put(t, enc.tokenize(t).length());
                batchBaseline(enc, thetas, sentences, abstracts, tokenCount, Long.parseLong(opt.get("--seed")));
                return;
            }
            EmbeddingServer server = EmbeddingServer.start(enc, ServerSettings.defaults(0, ExitPolicy.uncalibrated(enc.numLayers()).withTheta(ExitPolicy.PAPER_THETA)));
            try {
                String url = "http://127.0.0.1:" + server.port() + "/v1/embeddings";
                long seed = Long.parseLong(opt.get("--seed"));
                System.out.printf(Locale.ROOT, "model %s (%d layers), %d engine threads, %d clients, %d s per theta, %d cores, %s%n", enc.name(),
                        enc.numLayers(), threads, clients, seconds, Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
                Map<String, Integer> tokenCount = new HashMap<>();
                for (String t : sentences) tokenCount.put(t, enc.tokenize(t).length());
                for (String t : abstracts) tokenCount.put(t, enc.tokenize(t).length());
                run(url, clients, Integer.parseInt(opt.get("--warmup")), thetas[0], sentences, abstracts, tokenCount, seed, enc.numLayers(), server);
                List<Phase> phases = new ArrayList<>();
                for (double theta : thetas) phases.add(run(url, clients, seconds, theta, sentences, abstracts, tokenCount, seed, enc.numLayers(), server));
                report(phases, enc.numLayers());
                server.close();
                batchBaseline(enc, thetas, sentences, abstracts, tokenCount, seed);
            } finally {
                server.close();
            }
        }
    }

    private static Phase run(String url, int clients, int seconds, double theta, List<String> sentences, List<String> abstracts,
                             Map<String, Integer> tokenCount, long seed, int layers, EmbeddingServer server) throws InterruptedException {
        double batchesBefore = metric(server, "leap4j_batch_inputs_count"), batchInputsBefore = metric(server, "leap4j_batch_inputs_sum");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicLong requests = new AtomicLong(), inputs = new AtomicLong(), tokens = new AtomicLong(), errors = new AtomicLong();
        long[] exits = new long[layers + 1];
        AtomicLong tokenLayers = new AtomicLong(), exitTokenLayers = new AtomicLong();
        List<long[]> latencies = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            long[][] mine = {new long[1024]};
            int[] count = {0};
            latencies.add(null);
            int client = c;
            workers.add(Thread.ofPlatform().name("load-client-" + c).start(() -> {
                Random rnd = new Random(seed * 1_000_003 + client);
                while (System.nanoTime() < end) {
                    ObjectNode req = JSON.createObjectNode().put("theta", theta).put("encoding_format", "base64");
                    int n = 1 + rnd.nextInt(4);
                    List<String> texts = new ArrayList<>();
                    for (int k = 0; k < n; k++) {
                        texts.add(rnd.nextInt(5) == 0 ? abstracts.get(rnd.nextInt(abstracts.size())) : sentences.get(rnd.nextInt(sentences.size())));
                        req.withArray("input").add(texts.getLast());
                    }
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(req))).build(),
                                HttpResponse.BodyHandlers.ofByteArray());
                        long nanos = System.nanoTime() - t0;
                        if (r.statusCode() != 200) {
                            errors.incrementAndGet();
                            continue;
                        }
                        JsonNode root = JSON.readTree(r.body());
                        if (root.get("data").size() != n) {
                            errors.incrementAndGet();
                            continue;
                        }
                        if (count[0] == mine[0].length) mine[0] = Arrays.copyOf(mine[0], 2 * count[0]);
                        mine[0][count[0]++] = nanos;
                        requests.incrementAndGet();
                        inputs.addAndGet(n);
                        tokens.addAndGet(root.get("usage").get("prompt_tokens").longValue());
                        for (int k = 0; k < n; k++) {
                            int layer = root.get("data").get(k).get("exit_layer").intValue();
                            int tok = tokenCount.get(texts.get(k));
                            tokenLayers.addAndGet((long) tok * layers);
                            exitTokenLayers.addAndGet((long) tok * layer);
                            synchronized (exits) {
                                exits[layer]++;
                            }
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }
                synchronized (latencies) {
                    latencies.set(client, Arrays.copyOf(mine[0], count[0]));
                }
            }));
        }
        for (Thread t : workers) t.join();
        double secs = (System.nanoTime() - start) / 1e9;
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        double batches = metric(server, "leap4j_batch_inputs_count") - batchesBefore;
        double batchInputs = metric(server, "leap4j_batch_inputs_sum") - batchInputsBefore;
        return new Phase(theta, requests.get(), inputs.get(), tokens.get(), errors.get(), secs, all, tokenLayers.get(), exitTokenLayers.get(), exits, batches == 0 ? 0 : batchInputs / batches);
    }

    private static void report(List<Phase> phases, int layers) {
        Phase base = phases.getFirst();
        System.out.println();
        System.out.println("| theta | requests | errors | p50 ms | p99 ms | req/s | inputs/s | tokens/s | mean batch | mean exit layer | early exits | predicted speedup (inputs) | predicted speedup (tokens) | measured speedup |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Phase p : phases) {
            long n = Arrays.stream(p.exitsByLayer()).sum();
            double meanExit = 0;
            long early = 0;
            for (int l = 1; l <= layers; l++) {
                meanExit += (double) l * p.exitsByLayer()[l] / Math.max(1, n);
                if (l < layers) early += p.exitsByLayer()[l];
            }
            double predicted = layers / Math.max(1e-9, meanExit);
            double predictedTokens = (double) p.tokenLayers() / Math.max(1, p.exitTokenLayers());
            double measured = (p.tokens() / p.seconds()) / (base.tokens() / base.seconds());
            System.out.printf(Locale.ROOT, "| %.2f | %d | %d | %.1f | %.1f | %.1f | %.1f | %.0f | %.1f | %.2f | %.1f%% | %.3fx | %.3fx | %.3fx |%n",
                    p.theta(), p.requests(), p.errors(), pct(p.latenciesNanos(), 0.50), pct(p.latenciesNanos(), 0.99), p.requests() / p.seconds(),
                    p.inputs() / p.seconds(), p.tokens() / p.seconds(), p.meanBatchInputs(), meanExit, 100.0 * early / Math.max(1, n), predicted, predictedTokens, measured);
        }
        System.out.println();
        System.out.println("predicted speedup: layer work at full depth / layer work at the observed exits, per input (inputs) or per token (tokens);");
        System.out.println("measured speedup: tokens/s over the first theta's tokens/s (same request mix, same seed).");
    }

    /**
     * What `leap4j embed` does with the same mix, without HTTP: the texts the clients draw (same generator, same
     * one-in-five abstracts), embedded in batches of 32 through EarlyExitEncoder.embed; tokens/s of the engine alone,
     * the ceiling for the server's tokens/s. The thetas alternate inside each of three repeats so that JIT warm-up and
     * machine drift fall on all of them alike; the median and the range are printed with the exit share and the
     * per-token speedup the exit layers predict, so a measured ratio can be checked against what the layers allow.
     * Token-weighted, the mix is dominated by the abstracts (about 85% of tokens), so its predicted speedup is far
     * below the per-input one.
     */
    static void batchBaseline(EarlyExitEncoder enc, double[] thetas, List<String> sentences, List<String> abstracts,
                              Map<String, Integer> tokenCount, long seed) {
        Random rnd = new Random(seed);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 1500; i++) texts.add(rnd.nextInt(5) == 0 ? abstracts.get(rnd.nextInt(abstracts.size())) : sentences.get(rnd.nextInt(sentences.size())));
        long tokens = texts.stream().mapToLong(tokenCount::get).sum();
        int layers = enc.numLayers(), repeats = 3;
        for (double theta : thetas) enc.embed(texts.subList(0, 300), ExitPolicy.uncalibrated(layers).withTheta(ExitPolicy.PAPER_THETA).withTheta(theta), 32); // warm-up
        double[][] secs = new double[thetas.length][repeats];
        long[] exited = new long[thetas.length], tokenLayers = new long[thetas.length];
        for (int r = 0; r < repeats; r++) {
            for (int k = 0; k < thetas.length; k++) {
                long t0 = System.nanoTime();
                List<Embedding> out = enc.embed(texts, ExitPolicy.uncalibrated(layers).withTheta(ExitPolicy.PAPER_THETA).withTheta(thetas[k]), 32);
                secs[k][r] = (System.nanoTime() - t0) / 1e9;
                if (r == 0) {
                    for (Embedding e : out) {
                        if (e.exitLayer() < layers) exited[k]++;
                        tokenLayers[k] += (long) e.tokens() * e.exitLayer();
                    }
                }
            }
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "Engine alone (EarlyExitEncoder.embed, batch 32), %d texts, %,d tokens, %d alternating repeats:%n",
                texts.size(), tokens, repeats);
        System.out.println("| theta | early exits | predicted speedup (per token) | tokens/s median | range | measured speedup (median) |");
        System.out.println("|---|---|---|---|---|---|");
        double base = median(secs[0]);
        for (int k = 0; k < thetas.length; k++) {
            double[] s = secs[k].clone();
            Arrays.sort(s);
            double med = median(secs[k]);
            System.out.printf(Locale.ROOT, "| %.2f | %.1f%% | %.3fx | %.0f | %.0f-%.0f | %.3fx |%n", thetas[k], 100.0 * exited[k] / texts.size(),
                    (double) tokenLayers[0] / tokenLayers[k], tokens / med, tokens / s[s.length - 1], tokens / s[0], base / med);
        }
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))] / 1e6;
    }

    private static double metric(EmbeddingServer s, String name) {
        for (String line : s.metrics().scrape().split("\n")) {
            if (line.startsWith(name + " ")) return Double.parseDouble(line.substring(name.length() + 1).trim());
        }
        return 0;
    }

    private static List<String> stsb(Path tsv) throws java.io.IOException {
        List<String> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(tsv)) {
            r.readLine();
            for (String line; (line = r.readLine()) != null; ) {
                String[] f = line.split("\t");
                if (f.length >= 7) {
                    out.add(f[5].trim());
                    out.add(f[6].trim());
                }
            }
        }
        return out;
    }

    private static List<String> scifact(Path jsonl, int limit) throws java.io.IOException {
        List<String> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(jsonl)) {
            for (String line; out.size() < limit && (line = r.readLine()) != null; ) {
                JsonNode n = JSON.readTree(line);
                out.add(n.get("title").asText() + " " + n.get("text").asText());
            }
        }
        return out;
    }
}
