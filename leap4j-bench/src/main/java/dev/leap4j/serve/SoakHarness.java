package dev.leap4j.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Soak of a running `leap4j serve` (another process, so the memory figures are the server's alone): well-behaved
 * clients send one STS-B sentence per request at half the rate the server sustains (measured first, closed loop),
 * open loop, for the given minutes, while hostile clients cycle beside them through bodies trickled a byte at a
 * time, bodies that never come, headers sent a line at a time, a lying Content-Length, bodies over the size limit,
 * malformed JSON and too many inputs. Each minute: the well-behaved requests sent, answered and failed, their p50 and
 * p99, the hostile attempts, and the server's resident memory (VmRSS) and peak (VmHWM) from /proc/PID/status. At
 * the end: errors in total, RSS over the minutes after warm-up (min, max, spread) and the range of the p99s.
 * Usage: SoakHarness --url http://127.0.0.1:PORT --pid PID [--minutes 30] [--warmup-minutes 5] [--hostile 16]
 *        [--calibrate-seconds 20] [--data ../shared/data]
 */
public final class SoakHarness {
    private SoakHarness() {
    }

    /** One well-behaved request: when it was sent (ns since the start), its status (-1 for no answer) and latency. */
    record Sent(long at, int status, long nanos) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>(Map.of("--minutes", "30", "--warmup-minutes", "5", "--hostile", "16",
                "--calibrate-seconds", "20", "--data", "../shared/data"));
        for (int i = 0; i + 1 < args.length; i += 2) opt.put(args[i], args[i + 1]);
        if (!opt.containsKey("--url") || !opt.containsKey("--pid")) throw new IllegalArgumentException("usage: SoakHarness --url URL --pid PID [...]");
        URI base = URI.create(opt.get("--url"));
        String url = base + "/v1/embeddings";
        long pid = Long.parseLong(opt.get("--pid"));
        int minutes = Integer.parseInt(opt.get("--minutes")), warmup = Integer.parseInt(opt.get("--warmup-minutes"));
        List<String> sentences = new ArrayList<>();
        for (ShedLoadHarness.Pair p : ShedLoadHarness.stsb(Path.of(opt.get("--data"), "stsb/derived/sts-test.tsv"))) {
            sentences.add(p.a());
            sentences.add(p.b());
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        double sustainable = sustainableRate(http, url, sentences, Integer.parseInt(opt.get("--calibrate-seconds")));
        double rate = sustainable / 2;
        System.out.printf(Locale.ROOT, "server pid %d sustains %.1f requests/s (one sentence each, 16 closed-loop clients); soak at %.1f/s for %d min, %s hostile clients beside%n",
                pid, sustainable, rate, minutes, opt.get("--hostile"));
        System.out.printf(Locale.ROOT, "RSS before the soak: %s%n", memory(pid));

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong hostileAttempts = new AtomicLong();
        List<Thread> hostile = new ArrayList<>();
        for (int h = 0; h < Integer.parseInt(opt.get("--hostile")); h++) {
            int kind0 = h;
            hostile.add(Thread.ofPlatform().daemon().start(() -> {
                for (int k = kind0; !stop.get(); k++) {
                    try {
                        hostileOnce(base.getPort(), k % 7, stop);
                    } catch (IOException | RuntimeException e) {
                        // a refused or reset connection is one of the outcomes a hostile client may get
                    }
                    hostileAttempts.incrementAndGet();
                }
            }));
        }

        ConcurrentLinkedQueue<Sent> done = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime(), gap = (long) (1e9 / rate);
        long end = start + minutes * 60_000_000_000L;
        System.out.println("| minute | sent | answered 200 | errors | p50 ms | p99 ms | hostile attempts | RSS MiB | peak RSS MiB |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        List<double[]> perMinute = new ArrayList<>(); // {rssMiB, p99}
        long totalErrors = 0, totalSent = 0;
        long nextReport = start + 60_000_000_000L, lastHostile = 0;
        int minute = 1;
        for (long j = 0; ; j++) {
            long due = start + j * gap;
            while (System.nanoTime() < due && System.nanoTime() < nextReport) Thread.sleep(1);
            if (System.nanoTime() >= nextReport) {
                Thread.sleep(2_000); // answers to requests sent in this minute
                List<Sent> window = new ArrayList<>();
                long minuteStart = nextReport - 60_000_000_000L - start, minuteEnd = nextReport - start;
                for (Sent s : done) if (s.at() >= minuteStart && s.at() < minuteEnd) window.add(s);
                done.removeIf(s -> s.at() < minuteEnd);
                long ok = window.stream().filter(s -> s.status() == 200).count(), errors = window.size() - ok;
                double[] ms = window.stream().filter(s -> s.status() == 200).mapToDouble(s -> s.nanos() / 1e6).sorted().toArray();
                double p50 = ms.length == 0 ? Double.NaN : ms[ms.length / 2], p99 = ms.length == 0 ? Double.NaN : ms[(int) Math.ceil(0.99 * ms.length) - 1];
                long[] mem = rssKiB(pid);
                long h = hostileAttempts.get();
                System.out.printf(Locale.ROOT, "| %d | %d | %d | %d | %.0f | %.0f | %d | %.0f | %.0f |%n", minute, window.size(), ok, errors, p50, p99, h - lastHostile,
                        mem[0] / 1024.0, mem[1] / 1024.0);
                lastHostile = h;
                totalErrors += errors;
                totalSent += window.size();
                perMinute.add(new double[]{mem[0] / 1024.0, p99});
                minute++;
                nextReport += 60_000_000_000L;
                if (nextReport > end + 60_000_000_000L - 1) break;
                j = (System.nanoTime() - start) / gap; // requests are not sent in a burst to catch up after the report
                continue;
            }
            long at = System.nanoTime() - start;
            String text = sentences.get((int) (j % sentences.size()));
            long t0 = System.nanoTime();
            http.sendAsync(ShedLoadHarness.request(url, text), HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) ->
                    done.add(new Sent(at, e != null ? -1 : r.statusCode(), System.nanoTime() - t0)));
        }
        stop.set(true);
        for (Thread t : hostile) t.join(30_000);
        List<double[]> after = perMinute.subList(Math.min(warmup, perMinute.size()), perMinute.size());
        double rssMin = after.stream().mapToDouble(a -> a[0]).min().orElse(Double.NaN), rssMax = after.stream().mapToDouble(a -> a[0]).max().orElse(Double.NaN);
        double p99Min = after.stream().mapToDouble(a -> a[1]).min().orElse(Double.NaN), p99Max = after.stream().mapToDouble(a -> a[1]).max().orElse(Double.NaN);
        System.out.printf(Locale.ROOT, "well-behaved requests: %d sent, %d errors (non-200 or no answer)%n", totalSent, totalErrors);
        System.out.printf(Locale.ROOT, "after minute %d: RSS %.0f-%.0f MiB (spread %.1f%% of the lowest); p99 %.0f-%.0f ms; %s%n", warmup, rssMin, rssMax,
                100 * (rssMax - rssMin) / rssMin, p99Min, p99Max, memory(pid));
    }

    static String memory(long pid) throws IOException {
        long[] m = rssKiB(pid);
        return String.format(Locale.ROOT, "RSS %.0f MiB, peak %.0f MiB", m[0] / 1024.0, m[1] / 1024.0);
    }

    /** {VmRSS, VmHWM} in KiB from /proc/PID/status. */
    static long[] rssKiB(long pid) throws IOException {
        long rss = -1, hwm = -1;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("\\D", ""));
            if (line.startsWith("VmHWM:")) hwm = Long.parseLong(line.replaceAll("\\D", ""));
        }
        return new long[]{rss, hwm};
    }

    /** Completed requests per second with 16 closed-loop clients, one sentence each. */
    static double sustainableRate(HttpClient http, String url, List<String> sentences, int seconds) throws Exception {
        AtomicLong done = new AtomicLong();
        long start = System.nanoTime() + 3_000_000_000L, end = start + seconds * 1_000_000_000L;
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 16; c++) {
            int client = c;
            clients.add(Thread.ofPlatform().start(() -> {
                for (int j = client; System.nanoTime() < end; j += 16) {
                    try {
                        HttpResponse<Void> r = http.send(ShedLoadHarness.request(url, sentences.get(j % sentences.size())), HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() == 200 && System.nanoTime() > start) done.incrementAndGet();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }));
        }
        for (Thread t : clients) t.join();
        return done.get() / (double) seconds;
    }

    /** One hostile attempt of the given kind; returns when the server has answered, closed, or the attempt gave up. */
    static void hostileOnce(int port, int kind, AtomicBoolean stop) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(100);
            OutputStream out = s.getOutputStream();
            switch (kind) {
                case 0 -> { // a body trickled a byte every 250 ms
                    out.write(headers(1000).getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0; i < 200 && !stop.get() && !answered(s, 250); i++) out.write('[');
                }
                case 1 -> { // honest headers, then nothing
                    out.write(headers(100).getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0; i < 120 && !stop.get() && !answered(s, 250); i++) { }
                }
                case 2 -> { // headers a line at a time, never finished
                    out.write("POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0; i < 60 && !stop.get() && !answered(s, 500); i++) out.write(("X-Slow-" + i + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                case 3 -> { // a lying Content-Length
                    out.write((headers(99_999_999_999L) + "{").getBytes(StandardCharsets.US_ASCII));
                    answered(s, 15_000);
                }
                case 4 -> { // a body over the 8 MiB limit, sent at full speed
                    byte[] big = new byte[9 << 20];
                    Arrays.fill(big, (byte) 'a');
                    out.write(headers(big.length).getBytes(StandardCharsets.US_ASCII));
                    out.write(big);
                    answered(s, 15_000);
                }
                case 5 -> { // malformed JSON
                    byte[] body = "{\"input\": [\"a\", ".getBytes(StandardCharsets.US_ASCII);
                    out.write((headers(body.length)).getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    answered(s, 15_000);
                }
                default -> { // more inputs than a request may carry
                    StringBuilder b = new StringBuilder("{\"input\": [");
                    for (int i = 0; i < 2_100; i++) b.append(i == 0 ? "" : ",").append("\"word ").append(i).append('"');
                    byte[] body = b.append("]}").toString().getBytes(StandardCharsets.US_ASCII);
                    out.write((headers(body.length)).getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    answered(s, 15_000);
                }
            }
        }
    }

    static String headers(long contentLength) {
        return "POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " + contentLength + "\r\n\r\n";
    }

    /** Whether anything (an answer, or the end of the stream) came within waitMs. */
    static boolean answered(Socket s, int waitMs) throws IOException {
        InputStream in = s.getInputStream();
        long end = System.nanoTime() + waitMs * 1_000_000L;
        byte[] buf = new byte[512];
        while (System.nanoTime() < end) {
            try {
                return in.read(buf) != 0;
            } catch (SocketTimeoutException e) {
                // keep waiting until the deadline
            }
        }
        return false;
    }
}
