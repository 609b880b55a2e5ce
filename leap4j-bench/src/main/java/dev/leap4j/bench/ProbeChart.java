package dev.leap4j.bench;

// Chart of a training run's STS dev probes (leap4j train --probe-sts) against training minutes: full depth, the
// exit at one theta, and the layers around the exit. Minutes are training time (teacher states and probes excluded).
// Run: bench/harness.sh dev.leap4j.bench.ProbeChart OUT_PNG THETA TITLE RUN_DIR...
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leap4j.eval.Plots;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

public class ProbeChart {
    public static void main(String[] a) throws Exception {
        Path png = Path.of(a[0]);
        String theta = String.format(Locale.ROOT, "theta%.2f.", Double.parseDouble(a[1]));
        List<Plots.Series> series = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (int r = 3; r < a.length; r++) {
            Path dir = Path.of(a[r]);
            String run = dir.getFileName().toString();
            Map<Long, Double> minutes = new HashMap<>();
            List<JsonNode> probes = new ArrayList<>();
            for (String line : Files.readAllLines(dir.resolve("train-log.jsonl"))) {
                JsonNode n = json.readTree(line);
                if (n.has("probe")) probes.add(n);
                else minutes.put(n.get("step").asLong(), n.get("elapsed_s").asDouble() / 60);
            }
            String[] keys = {"full", theta + "spearman", "layer6", "layer7"};
            String[] names = {"full depth", "exit at theta " + a[1], "layer 6", "layer 7"};
            for (int k = 0; k < keys.length; k++) {
                double[] x = new double[probes.size()], y = new double[probes.size()];
                for (int i = 0; i < probes.size(); i++) {
                    long step = probes.get(i).get("step").asLong();
                    x[i] = minutes.getOrDefault(step, 0.0);
                    y[i] = probes.get(i).get("probe").path(keys[k]).asDouble(Double.NaN);
                }
                series.add(new Plots.Series(run + ": " + names[k], x, y, null));
                System.out.printf(Locale.ROOT, "%s %s: %s%n", run, names[k], Arrays.toString(y));
            }
        }
        Plots.curves(png, a[2], "training minutes", "STS-B dev Spearman", series, false);
    }
}
