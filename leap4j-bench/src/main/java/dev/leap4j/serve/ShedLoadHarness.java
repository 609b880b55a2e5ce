package dev.leap4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.eval.Metrics;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.load.ModelLocator;

import java.io.BufferedReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Overload benchmark for the depth controller (not a unit test; run by bench/serve-shed.sh). Measures the request
 * rate full depth sustains (closed loop), then, with the controller off and on, sends STS-B test sentences open loop
 * at 0.5x to 3x that rate, a step at a time, and reports per step: p50/p99 latency, 429s and other errors, the mean
 * depth served, the share shed, and the STS-B Spearman of what was served (the pairs whose two sentences were both
 * answered in the step, scored with the vectors the server returned).
 */
public final class ShedLoadHarness {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Pair(String a, String b, double gold) {}

    /** @param fullSpearman the same pairs at full depth, offline: what serving them unshed would have scored */
    record Step(String mode, double multiplier, double rate, long sent, long ok, long refused, long errors, double p50Ms, double p99Ms,
                double meanDepth, double shedShare, double spearman, double fullSpearman, int pairs) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>(Map.of("--model", "e5-small-v2", "--floor-depth", "10", "--target-ms", "200", "--step-seconds", "20",
                "--multipliers", "0.5,1,1.5,2,3", "--data", "../shared/data", "--cache", "target/model-cache", "--calibrate-seconds", "15",
                "--threads", "" + Runtime.getRuntime().availableProcessors()));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!opt.containsKey(args[i])) throw new IllegalArgumentException("unknown option " + args[i]);
            opt.put(args[i], args[i + 1]);
        }
        int floor = Integer.parseInt(opt.get("--floor-depth")), stepSeconds = Integer.parseInt(opt.get("--step-seconds"));
        double[] multipliers = Arrays.stream(opt.get("--multipliers").split(",")).mapToDouble(Double::parseDouble).toArray();
        List<Pair> pairs = stsb(Path.of(opt.get("--data"), "stsb/derived/sts-test.tsv"));
        try (EarlyExitEncoder enc = new EarlyExitEncoder(ModelLocator.load(opt.get("--model"), Path.of(opt.get("--cache"))),
                Integer.parseInt(opt.get("--threads")))) {
            int L = enc.numLayers();
            System.out.printf(Locale.ROOT, "model %s (%d layers), %d engine threads, floor depth %d, target %s ms, %d s per step, JDK %s%n",
                    enc.name(), L, enc.threads(), floor, opt.get("--target-ms"), stepSeconds, System.getProperty("java.vm.version"));
            double[] full = similarities(enc, pairs, L);
            System.out.printf(Locale.ROOT, "STS-B test Spearman, every sentence at one depth: full %.4f, floor (depth %d) %.4f%n",
                    Metrics.spearman(full, gold(pairs)), floor, Metrics.spearman(similarities(enc, pairs, floor), gold(pairs)));
            double sustainable = sustainableRate(enc, pairs, Integer.parseInt(opt.get("--calibrate-seconds")));
            System.out.printf(Locale.ROOT, "full depth sustains %.1f requests/s (one sentence each, 16 closed-loop clients)%n", sustainable);
            List<Step> steps = new ArrayList<>();
            for (boolean on : new boolean[] {false, true}) {
                ServerSettings settings = ServerSettings.defaults(0, ExitPolicy.fullDepth());
                if (on) settings = settings.withShedding(new DepthController.Settings(Duration.ofMillis(Long.parseLong(opt.get("--target-ms"))), floor));
                EmbeddingServer server = EmbeddingServer.start(enc, settings);
                try {
                    String url = "http://127.0.0.1:" + server.port() + "/v1/embeddings";
                    openLoop(url, pairs, sustainable, 3, L); // warm-up
                    for (double m : multipliers) steps.add(step(on ? "on" : "off", m, url, pairs, full, m * sustainable, stepSeconds, L));
                } finally {
                    server.close();
                }
            }
            System.out.println();
            System.out.println("| controller | load | rate req/s | sent | answered | 429 | errors | p50 ms | p99 ms | mean depth served | shed | STS-B Spearman served | same pairs at full depth | pairs |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            for (Step s : steps) {
                System.out.printf(Locale.ROOT, "| %s | %.1fx | %.1f | %d | %d | %d | %d | %.0f | %.0f | %.2f | %.0f%% | %.4f | %.4f | %d |%n", s.mode(), s.multiplier(),
                        s.rate(), s.sent(), s.ok(), s.refused(), s.errors(), s.p50Ms(), s.p99Ms(), s.meanDepth(), 100 * s.shedShare(), s.spearman(),
                        s.fullSpearman(), s.pairs());
            }
        }
    }

    /** Each pair's cosine with every sentence stopped at depth (the fixed cut the floor stands for). */
    static double[] similarities(EarlyExitEncoder enc, List<Pair> pairs, int depth) {
        List<String> a = pairs.stream().map(Pair::a).toList(), b = pairs.stream().map(Pair::b).toList();
        ExitPolicy p = ExitPolicy.fullDepth().withDepth(depth);
        List<Embedding> ea = enc.embed(a, p, 32), eb = enc.embed(b, p, 32);
        double[] sims = new double[pairs.size()];
        for (int i = 0; i < sims.length; i++) sims[i] = dot(ea.get(i).vector(), eb.get(i).vector());
        return sims;
    }

    static double[] gold(List<Pair> pairs) {
        return pairs.stream().mapToDouble(Pair::gold).toArray();
    }

    /** Completed requests per second at full depth with 16 closed-loop clients, no controller. */
    static double sustainableRate(EarlyExitEncoder enc, List<Pair> pairs, int seconds) throws Exception {
        EmbeddingServer server = EmbeddingServer.start(enc, ServerSettings.defaults(0, ExitPolicy.fullDepth()));
        try {
            String url = "http://127.0.0.1:" + server.port() + "/v1/embeddings";
            HttpClient http = HttpClient.newHttpClient();
            AtomicLong done = new AtomicLong();
            long warmEnd = System.nanoTime() + 3_000_000_000L, start = warmEnd, end = warmEnd + seconds * 1_000_000_000L;
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                int client = c;
                clients.add(Thread.ofPlatform().start(() -> {
                    for (int j = client; System.nanoTime() < end; j += 16) {
                        try {
                            HttpResponse<byte[]> r = http.send(request(url, sentence(pairs, j)), HttpResponse.BodyHandlers.ofByteArray());
                            if (r.statusCode() == 200 && System.nanoTime() > start) done.incrementAndGet();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }));
            }
            for (Thread t : clients) t.join();
            return done.get() / (double) seconds;
        } finally {
            server.close();
        }
    }

    static String sentence(List<Pair> pairs, int j) {
        Pair p = pairs.get((j / 2) % pairs.size());
        return j % 2 == 0 ? p.a() : p.b();
    }

    static HttpRequest request(String url, String text) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("input", text).put("encoding_format", "base64");
        return HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
    }

    record Answer(int status, long nanos, int depth, boolean shed, float[] vector) {}

    /** Sends sentences at a fixed rate for the given seconds, whatever the answers' pace (open loop). */
    static List<Answer> openLoop(String url, List<Pair> pairs, double rate, int seconds, int L) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        int n = (int) Math.round(rate * seconds);
        List<CompletableFuture<Answer>> answers = new ArrayList<>(n);
        long start = System.nanoTime(), gap = (long) (1e9 / rate);
        for (int j = 0; j < n; j++) {
            long due = start + j * gap;
            long wait = due - System.nanoTime();
            if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            long t0 = System.nanoTime();
            answers.add(http.sendAsync(request(url, sentence(pairs, j)), HttpResponse.BodyHandlers.ofByteArray()).handle((r, e) -> {
                long nanos = System.nanoTime() - t0;
                if (e != null) return new Answer(-1, nanos, 0, false, null);
                if (r.statusCode() != 200) return new Answer(r.statusCode(), nanos, 0, false, null);
                try {
                    JsonNode d = JSON.readTree(r.body()).get("data").get(0);
                    return new Answer(200, nanos, d.get("served_depth").intValue(), d.get("shed").booleanValue(), fromBase64(d.get("embedding").asText()));
                } catch (Exception x) {
                    return new Answer(-1, nanos, 0, false, null);
                }
            }));
        }
        List<Answer> out = new ArrayList<>(n);
        for (CompletableFuture<Answer> f : answers) out.add(f.join());
        return out;
    }

    static Step step(String mode, double m, String url, List<Pair> pairs, double[] full, double rate, int seconds, int L) throws Exception {
        List<Answer> answers = openLoop(url, pairs, rate, seconds, L);
        long ok = 0, refused = 0, errors = 0, shed = 0, depthSum = 0;
        List<Long> lat = new ArrayList<>();
        for (Answer a : answers) {
            if (a.status() == 200) {
                ok++;
                depthSum += a.depth();
                if (a.shed()) shed++;
                lat.add(a.nanos());
            } else if (a.status() == 429) refused++;
            else errors++;
        }
        List<Double> sims = new ArrayList<>(), gold = new ArrayList<>(), unshed = new ArrayList<>();
        for (int j = 0; j + 1 < answers.size(); j += 2) {
            Answer a = answers.get(j), b = answers.get(j + 1);
            if (a.status() == 200 && b.status() == 200) {
                sims.add(dot(a.vector(), b.vector()));
                gold.add(pairs.get((j / 2) % pairs.size()).gold());
                unshed.add(full[(j / 2) % pairs.size()]);
            }
        }
        lat.sort(null);
        double p50 = lat.isEmpty() ? Double.NaN : lat.get(lat.size() / 2) / 1e6, p99 = lat.isEmpty() ? Double.NaN : lat.get((int) (0.99 * (lat.size() - 1))) / 1e6;
        double spearman = sims.size() < 3 ? Double.NaN : Metrics.spearman(sims.stream().mapToDouble(Double::doubleValue).toArray(), gold.stream().mapToDouble(Double::doubleValue).toArray());
        double fullSpearman = unshed.size() < 3 ? Double.NaN
                : Metrics.spearman(unshed.stream().mapToDouble(Double::doubleValue).toArray(), gold.stream().mapToDouble(Double::doubleValue).toArray());
        Step s = new Step(mode, m, rate, answers.size(), ok, refused, errors, p50, p99, ok == 0 ? Double.NaN : depthSum / (double) ok,
                ok == 0 ? 0 : shed / (double) ok, spearman, fullSpearman, sims.size());
        System.out.printf(Locale.ROOT, "controller %s, %.1fx (%.1f req/s): %d answered, %d refused, %d errors, p50 %.0f ms, p99 %.0f ms, mean depth %.2f, shed %.0f%%, Spearman %.4f over %d pairs%n",
                mode, m, rate, ok, refused, errors, p50, p99, s.meanDepth(), 100 * s.shedShare(), spearman, sims.size());
        return s;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    static List<Pair> stsb(Path tsv) throws java.io.IOException {
        List<Pair> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(tsv)) {
            r.readLine();
            for (String line; (line = r.readLine()) != null; ) {
                String[] f = line.split("\t");
                if (f.length >= 7) out.add(new Pair(f[5], f[6], Double.parseDouble(f[4])));
            }
        }
        return out;
    }

    /** The server's base64 encoding: little-endian float32, as OpenAI's encoding_format=base64. */
    static float[] fromBase64(String s) {
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(java.util.Base64.getDecoder().decode(s)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[bb.remaining() / 4];
        for (int i = 0; i < v.length; i++) v[i] = bb.getFloat();
        return v;
    }
}
