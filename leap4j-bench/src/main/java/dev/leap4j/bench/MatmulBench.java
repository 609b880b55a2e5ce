package dev.leap4j.bench;

// Per-kernel matmul speed on one thread, in GFLOP/s: the four matmuls of a
// MiniLM/BGE/E5-small layer (hidden 384, intermediate 1536) at the row counts of a 13-token input, a 57-token input
// and a batch of 32 sentences of about 12 tokens. A benchmark harness, not a test (docs/BENCHMARKS.md).
// Run: bench/harness.sh dev.leap4j.bench.MatmulBench
import dev.leap4j.tensor.Kernels;
import dev.leap4j.tensor.PackedMatrix;
import jdk.incubator.vector.FloatVector;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

public class MatmulBench {
    public static void main(String[] a) {
        System.out.printf(Locale.ROOT, "vector species %d bits; load average %s%n", FloatVector.SPECIES_PREFERRED.vectorBitSize(), loadAverage());
        System.out.println("| rows M | K | N | what | GFLOP/s (median of 9) |");
        System.out.println("|---|---|---|---|---|");
        int[][] shapes = {{384, 1152}, {384, 384}, {384, 1536}, {1536, 384}};
        String[] names = {"query|key|value", "attention output", "intermediate", "output"};
        for (int M : new int[]{13, 57, 384}) {
            for (int s = 0; s < shapes.length; s++) {
                double g = matmul(M, shapes[s][0], shapes[s][1]);
                System.out.printf(Locale.ROOT, "| %d | %d | %d | %s | %.1f |%n", M, shapes[s][0], shapes[s][1], names[s], g);
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

    static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).substring(0, 14);
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
