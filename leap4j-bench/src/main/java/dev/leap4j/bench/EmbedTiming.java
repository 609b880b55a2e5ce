package dev.leap4j.bench;

// Full-depth embed() time per input at batch 1 and 32 on the first 64 lines of a file, for comparing two builds side
// by side, each in its own JVM. Run: bench/harness.sh dev.leap4j.bench.EmbedTiming MODEL THREADS LABEL TEXTS_TXT
import dev.leap4j.api.*;
import dev.leap4j.exit.*;
import dev.leap4j.load.ModelLocator;
import java.nio.file.*;
import java.util.*;

public class EmbedTiming {
    public static void main(String[] a) throws Exception {
        var f = ModelLocator.load(a[0], Path.of(System.getProperty("user.home"), ".cache/leap4j/models"));
        try (var enc = new EarlyExitEncoder(f, Integer.parseInt(a[1]))) {
            List<String> s = Files.readAllLines(Path.of(a[3])).subList(0, 64);
            for (int w = 0; w < 3; w++) { enc.embed(s, ExitPolicy.fullDepth(), 1); enc.embed(s, ExitPolicy.fullDepth(), 32); }
            double[] b1 = new double[5], b32 = new double[5];
            for (int r = 0; r < 5; r++) {
                long t0 = System.nanoTime(); enc.embed(s, ExitPolicy.fullDepth(), 1);
                long t1 = System.nanoTime(); enc.embed(s, ExitPolicy.fullDepth(), 32);
                long t2 = System.nanoTime();
                b1[r] = (t1 - t0) / 1e6 / s.size(); b32[r] = (t2 - t1) / 1e6 / s.size();
            }
            Arrays.sort(b1); Arrays.sort(b32);
            System.out.printf(Locale.ROOT, "%s %s threads %s: b1 %.3f ms/input  b32 %.3f ms/input%n", a[2], a[0], a[1], b1[2], b32[2]);
        }
    }
}
