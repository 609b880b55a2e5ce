package dev.leap4j.bench;

// Per-kernel matmul speed on one thread, in GFLOP/s: the four matmuls of a
// MiniLM/BGE/E5-small layer (hidden 384, intermediate 1536) at the row counts of a 13-token input, a 57-token input
// and a batch of 32 sentences of about 12 tokens, with float and int8 weights. "hot": one matrix, reused, so it
// stays in cache; "streamed": calls cycle through 64 MiB of distinct fp32 matrices (as a model's layers do), so
// every call reads its weights from memory, and the weight bytes read per second are given too.
// A benchmark harness, not a test (docs/BENCHMARKS.md).
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
        System.out.println("| rows M | K | N | what | fp32 hot GFLOP/s | int8 hot GFLOP/s | fp32 streamed GFLOP/s (weight GB/s) | int8 streamed GFLOP/s (weight GB/s) | int8 / fp32 streamed |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        int[][] shapes = {{384, 1152}, {384, 384}, {384, 1536}, {1536, 384}};
        String[] names = {"query|key|value", "attention output", "intermediate", "output"};
        for (int M : new int[]{13, 57, 384}) {
            for (int s = 0; s < shapes.length; s++) {
                int K = shapes[s][0], N = shapes[s][1];
                double fh = matmul(M, K, N, false, 1), ih = matmul(M, K, N, true, 1);
                int copies = (int) Math.max(2, (64L << 20) / (4L * K * N));
                double fs = matmul(M, K, N, false, copies), is = matmul(M, K, N, true, copies);
                System.out.printf(Locale.ROOT, "| %d | %d | %d | %s | %.1f | %.1f | %.1f (%.1f) | %.1f (%.1f) | %.2fx |%n", M, K, N, names[s],
                        fh, ih, fs, gbPerS(fs, M, 4), is, gbPerS(is, M, 1), is / fs);
            }
        }
        System.out.printf(Locale.ROOT, "load average at end %s%n", loadAverage());
    }

    /** Weight bytes read per second at g GFLOP/s: each weight is used once per row, 2 FLOP each. */
    static double gbPerS(double gflops, int M, int bytesPerWeight) {
        return gflops / (2.0 * M) * bytesPerWeight;
    }

    static double matmul(int M, int K, int N, boolean int8, int copies) {
        Random r = new Random(1);
        float[] x = new float[M * K], w = new float[K * N], b = new float[N], out = new float[M * N];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        for (int i = 0; i < N; i++) b[i] = (float) r.nextGaussian();
        PackedMatrix[] ps = new PackedMatrix[copies];
        for (int c = 0; c < copies; c++) {
            for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian() * 0.05f;
            ps[c] = int8 ? PackedMatrix.quantize(w, K, N) : PackedMatrix.pack(w, K, N);
        }
        double flop = 2.0 * M * K * N;
        int iters = (int) Math.max(copies, 2e9 / flop);
        double[] g = new double[9];
        for (int round = -3; round < g.length; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < iters; i++) {
                PackedMatrix p = ps[i % copies];
                Kernels.matmulForward(out, x, p, b, M, 0, p.panels);
            }
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
