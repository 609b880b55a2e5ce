// Per-kernel matmul speed on one thread, in GFLOP/s, against the core's measured FMA peak: the four matmuls of a
// MiniLM/BGE/E5-small layer (hidden 384, intermediate 1536) at the row counts of a 13-token input, a 57-token input
// and a batch of 32 sentences of about 12 tokens. A benchmark harness, not a test (docs/BENCHMARKS.md).
// Run: java --add-modules jdk.incubator.vector -cp leap4j-core/target/leap4j-0.1.0-SNAPSHOT.jar scripts/MatmulBench.java
import dev.leap4j.tensor.Kernels;
import dev.leap4j.tensor.PackedMatrix;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

public class MatmulBench {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    public static void main(String[] a) {
        System.out.printf(Locale.ROOT, "vector species %d bits; load average %s%n", S.vectorBitSize(), loadAverage());
        double peak = fmaPeak();
        System.out.printf(Locale.ROOT, "FMA peak (16 independent vector FMA chains, no memory): %.1f GFLOP/s%n", peak);
        System.out.println("| rows M | K | N | what | GFLOP/s (median of 9) | of peak |");
        System.out.println("|---|---|---|---|---|---|");
        int[][] shapes = {{384, 1152}, {384, 384}, {384, 1536}, {1536, 384}};
        String[] names = {"query|key|value", "attention output", "intermediate", "output"};
        for (int M : new int[]{13, 57, 384}) {
            for (int s = 0; s < shapes.length; s++) {
                double g = matmul(M, shapes[s][0], shapes[s][1]);
                System.out.printf(Locale.ROOT, "| %d | %d | %d | %s | %.1f | %.0f%% |%n", M, shapes[s][0], shapes[s][1], names[s], g, 100 * g / peak);
            }
        }
        System.out.printf(Locale.ROOT, "load average at end %s%n", loadAverage());
    }

    static double matmul(int M, int K, int N) {
        Random r = new Random(1);
        float[] x = new float[M * K], w = new float[K * N], b = new float[N], out = new float[M * N];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian() * 0.05f;
        for (int i = 0; i < N; i++) b[i] = (float) r.nextGaussian();
        PackedMatrix p = PackedMatrix.pack(w, K, N);
        double flop = 2.0 * M * K * N;
        int iters = (int) Math.max(5, 2e9 / flop);
        double[] g = new double[9];
        for (int round = -3; round < g.length; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < iters; i++) Kernels.matmulForward(out, x, p, b, M, 0, p.panels);
            long t = System.nanoTime() - t0;
            if (round >= 0) g[round] = flop * iters / t;
        }
        Arrays.sort(g);
        return g[g.length / 2];
    }

    /** What the core's FMA units deliver with nothing else in the way: the ceiling for any matmul kernel. */
    static double fmaPeak() {
        double[] g = new double[9];
        float sink = 0;
        for (int round = -3; round < g.length; round++) {
            FloatVector m = FloatVector.broadcast(S, 0.999f), c = FloatVector.broadcast(S, 1e-3f);
            FloatVector a0 = c, a1 = c, a2 = c, a3 = c, a4 = c, a5 = c, a6 = c, a7 = c;
            FloatVector a8 = c, a9 = c, a10 = c, a11 = c, a12 = c, a13 = c, a14 = c, a15 = c;
            int iters = 20_000_000;
            long t0 = System.nanoTime();
            for (int i = 0; i < iters; i++) {
                a0 = a0.fma(m, c); a1 = a1.fma(m, c); a2 = a2.fma(m, c); a3 = a3.fma(m, c);
                a4 = a4.fma(m, c); a5 = a5.fma(m, c); a6 = a6.fma(m, c); a7 = a7.fma(m, c);
                a8 = a8.fma(m, c); a9 = a9.fma(m, c); a10 = a10.fma(m, c); a11 = a11.fma(m, c);
                a12 = a12.fma(m, c); a13 = a13.fma(m, c); a14 = a14.fma(m, c); a15 = a15.fma(m, c);
            }
            long t = System.nanoTime() - t0;
            sink += a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                    .add(a12).add(a13).add(a14).add(a15).lane(0);
            if (round >= 0) g[round] = 2.0 * S.length() * 16 * iters / t;
        }
        if (sink == 42) System.out.println();
        Arrays.sort(g);
        return g[g.length / 2];
    }

    static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).substring(0, 14);
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
