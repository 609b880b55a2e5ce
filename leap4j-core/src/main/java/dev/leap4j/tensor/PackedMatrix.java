package dev.leap4j.tensor;

/**
 * A (K, N) weight matrix repacked into column panels for {@link Kernels#matmulForward(Parallel, float[], float[], PackedMatrix, float[], int)}:
 * panel p holds columns [p * PANEL, (p + 1) * PANEL) as K contiguous rows of PANEL values (the last panel
 * zero-padded). The micro-kernel then reads weights strictly sequentially; with the plain (K, N) layout each k step
 * jumps N floats, which at batch 1 costs a TLB miss per row and halves throughput (measured).
 *
 * <p>A matrix holds either floats ({@link #pack}) or int8 codes with one float scale per output column
 * ({@link #quantize}): w[k][n] ~ codes[k][n] * scales[n], symmetric, the scale chosen so the column's largest
 * magnitude maps to 127. The kernel multiplies by the scale after the sum over k, so the product is
 * out[m][n] = fma(sum_k x[m][k] * codes[k][n], scales[n], b[n]), with the sum the same fused chain as for floats.
 */
public final class PackedMatrix {
    public final int rows;    // K
    public final int cols;    // N
    public final int panels;
    final float[] data;       // (panels, K, PANEL); null when quantized
    final byte[] codes;       // (panels, K, PANEL); null for floats
    final float[] scales;     // (panels * PANEL); null for floats

    private PackedMatrix(int rows, int cols, boolean quantized) {
        this.rows = rows;
        this.cols = cols;
        this.panels = (cols + Kernels.PANEL - 1) / Kernels.PANEL;
        int size = panels * rows * Kernels.PANEL;
        this.data = quantized ? null : new float[size];
        this.codes = quantized ? new byte[size] : null;
        this.scales = quantized ? new float[panels * Kernels.PANEL] : null;
    }

    /** Packs w (K, N) row-major. */
    public static PackedMatrix pack(float[] w, int K, int N) {
        checkSize(w, K, N);
        PackedMatrix p = new PackedMatrix(K, N, false);
        for (int k = 0; k < K; k++) {
            for (int n = 0; n < N; n++) p.data[p.index(k, n)] = w[k * N + n];
        }
        return p;
    }

    /**
     * Quantizes w (K, N) row-major to int8 per output column (symmetric, round to nearest); a column of zeros gets
     * scale 0. A quarter of the bytes of {@link #pack}: at batch 1 the forward pass streams every weight once per
     * call and uses it only once per token, so the bytes read bound it.
     */
    public static PackedMatrix quantize(float[] w, int K, int N) {
        checkSize(w, K, N);
        PackedMatrix p = new PackedMatrix(K, N, true);
        for (int n = 0; n < N; n++) {
            float max = 0f;
            for (int k = 0; k < K; k++) max = Math.max(max, Math.abs(w[k * N + n]));
            if (!Float.isFinite(max)) throw new IllegalArgumentException("column " + n + " has a value that is not finite");
            float scale = max / 127f;
            p.scales[n] = scale;
            if (scale == 0f) continue;
            for (int k = 0; k < K; k++) {
                int q = Math.round(w[k * N + n] / scale);
                p.codes[p.index(k, n)] = (byte) Math.max(-127, Math.min(127, q));
            }
        }
        return p;
    }

    private static void checkSize(float[] w, int K, int N) {
        if (w.length != K * N) throw new IllegalArgumentException("matrix has " + w.length + " values, expected " + K + " x " + N);
    }

    private int index(int k, int n) {
        int cb = Kernels.PANEL;
        return (n / cb) * rows * cb + k * cb + n % cb;
    }

    public boolean quantized() {
        return codes != null;
    }

    /** w[k][n] as the kernel multiplies it: the float, or the int8 code (scale applied after the sum). */
    public float get(int k, int n) {
        return quantized() ? codes[index(k, n)] : data[index(k, n)];
    }

    /** The scale of column n: 1 for a float matrix. */
    public float scale(int n) {
        return quantized() ? scales[n] : 1f;
    }
}
