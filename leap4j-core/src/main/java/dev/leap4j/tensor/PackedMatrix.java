package dev.leap4j.tensor;

/**
 * A (K, N) weight matrix repacked into column panels for {@link Kernels#matmulForward(Parallel, float[], float[], PackedMatrix, float[], int)}:
 * panel p holds columns [p * PANEL, (p + 1) * PANEL) as K contiguous rows of PANEL floats (the last
 * panel zero-padded). The micro-kernel then reads weights strictly sequentially; with the plain (K, N) layout each
 * k step jumps N floats, which at batch 1 costs a TLB miss per row and halves throughput (measured).
 */
public final class PackedMatrix {
    public final int rows;    // K
    public final int cols;    // N
    public final int panels;
    final float[] data;       // (panels, K, PANEL)

    private PackedMatrix(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        this.panels = (cols + Kernels.PANEL - 1) / Kernels.PANEL;
        this.data = new float[panels * rows * Kernels.PANEL];
    }

    /** Packs w (K, N) row-major. */
    public static PackedMatrix pack(float[] w, int K, int N) {
        if (w.length != K * N) throw new IllegalArgumentException("matrix has " + w.length + " values, expected " + K + " x " + N);
        PackedMatrix p = new PackedMatrix(K, N);
        int cb = Kernels.PANEL;
        for (int k = 0; k < K; k++) {
            for (int n = 0; n < N; n++) p.data[(n / cb) * K * cb + k * cb + n % cb] = w[k * N + n];
        }
        return p;
    }

    /** w[k][n], for tests and twins. */
    public float get(int k, int n) {
        int cb = Kernels.PANEL;
        return data[(n / cb) * rows * cb + k * cb + n % cb];
    }
}
