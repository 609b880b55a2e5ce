package dev.leap4j.bench;

// Training throughput: tokens/s of one forward + backward step (batch 32, max length 64, Wikipedia sentences) on a
// model folder, for the given thread counts. A benchmark harness, not a test.
// Run: java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
//        -cp leap4j-cli/target/leap4j-cli-0.1.0-SNAPSHOT.jar:$(cat leap4j-cli/target/classpath.txt) scripts/TrainThroughput.java MODEL SENTENCES_TXT [THREADS...]
import dev.leap4j.model.BertWeights;
import dev.leap4j.model.ModelFolder;
import dev.leap4j.model.ModelLocator;
import dev.leap4j.tensor.Parallel;
import dev.leap4j.tokenize.TextTokenizer;
import dev.leap4j.tokenize.TokenizedText;
import dev.leap4j.model.PackedBatch;
import dev.leap4j.train.StudentPass;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

public class TrainThroughput {
    public static void main(String[] a) throws Exception {
        Path cache = Path.of(System.getenv().getOrDefault("LEAP4J_CACHE", System.getProperty("user.home") + "/.cache/leap4j/models"));
        ModelFolder m = ModelLocator.load(a[0], cache);
        List<String> lines;
        try (var s = Files.lines(Path.of(a[1]))) {
            lines = s.limit(32 * 4).toList();
        }
        int[] threadCounts = a.length > 2 ? Arrays.stream(a, 2, a.length).mapToInt(Integer::parseInt).toArray() : new int[]{1, 2};
        List<PackedBatch> batches = new ArrayList<>();
        try (TextTokenizer tok = TextTokenizer.load(m.tokenizerJson(), 64)) {
            List<TokenizedText> t = tok.encodeAll(lines);
            for (int i = 0; i < t.size(); i += 32) batches.add(PackedBatch.of(t.subList(i, i + 32)));
        }
        int L = m.config().numLayers(), C = m.config().hidden();
        float[] dpooled = new float[L * 32 * C];
        Random rnd = new Random(1);
        for (int i = 0; i < dpooled.length; i++) dpooled[i] = (float) (1e-3 * rnd.nextGaussian());
        for (int threads : threadCounts) {
            try (Parallel pool = new Parallel(threads)) {
                StudentPass pass = new StudentPass(m.weights(), new BertWeights(m.config()), pool, 32 * 64, 32, 64, false);
                pass.forward(batches.get(0));
                pass.backward(batches.get(0), dpooled);
                double[] tps = new double[batches.size() - 1];
                double[] fwdShare = new double[tps.length];
                for (int b = 1; b < batches.size(); b++) {
                    long t0 = System.nanoTime();
                    pass.forward(batches.get(b));
                    long t1 = System.nanoTime();
                    pass.backward(batches.get(b), dpooled);
                    long t2 = System.nanoTime();
                    tps[b - 1] = batches.get(b).tokens() / ((t2 - t0) / 1e9);
                    fwdShare[b - 1] = (double) (t1 - t0) / (t2 - t0);
                }
                Arrays.sort(tps);
                Arrays.sort(fwdShare);
                System.out.printf(Locale.ROOT, "%s, %d threads: %.0f tokens/s forward+backward (median of %d steps of 32 sentences; forward %.0f%% of a step)%n",
                        a[0], threads, tps[tps.length / 2], tps.length, 100 * fwdShare[fwdShare.length / 2]);
            }
        }
    }
}
