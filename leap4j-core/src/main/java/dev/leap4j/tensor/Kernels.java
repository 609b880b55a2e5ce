package dev.leap4j.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD kernels over flat float arrays (JDK Vector API). Each has a scalar twin in the tests' ScalarKernels, compared at awkward sizes.
 *
 * <p>Bit-exactness contract: {@link #matmulForward} computes every output element as one fused-multiply-add
 * chain over k in ascending order, whatever the row count, column range or thread split. That is what makes an
 * input's embedding identical alone and inside any batch, and identical across thread counts.
 */
public final class Kernels {
    private Kernels() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Columns per matmul micro-kernel: three vectors keep 4x3 accumulators in AVX2's 16 registers. */
    public static final int COL_BLOCK = 3 * L;
    /**
     * Eight-row tiles where the vector registers allow: 512-bit species mean AVX-512 and its 32 registers, enough
     * for 8x3 accumulators plus three weight vectors and a broadcast. Each weight load then feeds eight FMAs
     * instead of four; with 16 registers (AVX2) the tile would spill, so it stays 4x3 there.
     */
    static final boolean EIGHT_ROW_TILES = S.vectorBitSize() >= 512;
    /**
     * Columns per panel of a {@link PackedMatrix}. With 32 registers (AVX-512) a panel is three vectors wide and
     * tiles are 8x3. With 16 (AVX2) it is two vectors wide and tiles are 6x2, as ONNX Runtime's FMA3 kernel does:
     * twelve accumulators, two weight vectors and one broadcast fit the register file, where 4x3 left no room and
     * broadcast once per three FMAs instead of once per two.
     */
    public static final int PANEL = EIGHT_ROW_TILES ? 3 * L : 2 * L;

    /** out (M, N) = x (M, K) · w (K, N) + b (N), all rows, columns [n0, n1). b may be null. */
    public static void matmulForward(float[] out, float[] x, float[] w, float[] b, int M, int K, int N, int n0, int n1) {
        assert n0 >= 0 && n1 <= N && n0 <= n1 : "column range";
        assert x.length >= M * K && w.length >= K * N && out.length >= M * N : "buffer sizes";
        int n = n0;
        for (; n + COL_BLOCK <= n1; n += COL_BLOCK) {
            int m = 0;
            if (EIGHT_ROW_TILES) for (; m + 8 <= M; m += 8) block8x3(out, x, w, b, K, N, m, n, n, N);
            for (; m + 4 <= M; m += 4) block4x3(out, x, w, b, K, N, m, n, n, N);
            for (; m < M; m++) block1x3(out, x, w, b, K, N, m, n, n, N);
        }
        for (; n + L <= n1; n += L) {
            for (int m = 0; m < M; m++) block1x1(out, x, w, b, K, N, m, n);
        }
        for (; n < n1; n++) {
            for (int m = 0; m < M; m++) {
                float acc = 0f;
                for (int k = 0; k < K; k++) acc = Math.fma(x[m * K + k], w[k * N + n], acc);
                out[m * N + n] = b == null ? acc : acc + b[n];
            }
        }
    }

    /** The whole matmul, columns split across the pool in micro-kernel-aligned chunks. */
    public static void matmulForward(Parallel pool, float[] out, float[] x, float[] w, float[] b, int M, int K, int N) {
        int blocks = (N + COL_BLOCK - 1) / COL_BLOCK;
        if (pool == null || pool.threads() == 1 || (long) M * K * N < 32_768) {
            matmulForward(out, x, w, b, M, K, N, 0, N);
            return;
        }
        pool.forRange(blocks, (t, s, e) -> matmulForward(out, x, w, b, M, K, N, s * COL_BLOCK, Math.min(N, e * COL_BLOCK)));
    }

    /** out (M, N) = x (M, K) · w + b over whole panels [p0, p1) of a packed w; b may be null. */
    public static void matmulForward(float[] out, float[] x, PackedMatrix w, float[] b, int M, int p0, int p1) {
        if (w.quantized()) {
            matmulForwardInt8(out, x, w, b, M, p0, p1);
            return;
        }
        int K = w.rows, cb = PANEL;
        for (int p = p0; p < p1; p++) panelForward(out, x, w.data, p * K * cb, b, K, w.cols, M, p * cb);
    }

    /** out (M, N) columns [n, n + PANEL) = x (M, K) · the panel at wp[base..] + b; the tiles, then a ragged last panel. */
    private static void panelForward(float[] out, float[] x, float[] wp, int base, float[] b, int K, int N, int M, int n) {
        int cb = PANEL;
        if (n + cb <= N) {
            int m = 0;
            if (EIGHT_ROW_TILES) {
                for (; m + 8 <= M; m += 8) block8x3(out, x, wp, b, K, N, m, n, base, cb);
                for (; m + 4 <= M; m += 4) block4x3(out, x, wp, b, K, N, m, n, base, cb);
                for (; m < M; m++) block1x3(out, x, wp, b, K, N, m, n, base, cb);
            } else {
                for (; m + 6 <= M; m += 6) block6x2(out, x, wp, b, K, N, m, n, base);
                for (; m < M; m++) block1x2(out, x, wp, b, K, N, m, n, base);
            }
        } else {
            // ragged last panel: same fused chain per element, scalar, valid columns only
            for (int m = 0; m < M; m++) {
                for (int j = 0; n + j < N; j++) {
                    float acc = 0f;
                    for (int k = 0; k < K; k++) acc = Math.fma(x[m * K + k], wp[base + k * cb + j], acc);
                    out[m * N + n + j] = b == null ? acc : acc + b[n + j];
                }
            }
        }
    }

    // L int8 codes load as one byte vector of 8L bits; below 64 bits (128-bit float vectors, e.g. NEON) there is no
    // such byte shape, and codes are widened one by one into scratch instead
    private static final VectorSpecies<Byte> CODES = L >= 8 ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L)) : null;
    // One panel of widened codes per thread, reused by every call: (K, PANEL), at most 1536 x 2 x 8 floats (96 KiB)
    // on AVX2, so it stays in L2 while each tile streams it.
    private static final ThreadLocal<float[]> PANEL_SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * Up to this many rows the AVX2 int8 tiles widen codes as they go (one or two passes over the panel, no scratch
     * written); beyond, widening each panel once into scratch is faster (measured on Zen 3: 1.5x at 57 rows).
     */
    static final int FUSED_WIDEN_MAX_ROWS = 12;

    /**
     * The int8 matmul: codes are widened to floats exactly (every int8 is a float), inside the AVX2 tiles for few
     * rows, else once per panel into scratch that the float tiles then read; either way a row's sum is the same fused
     * chain over k, so it is the same alone or in any batch and on any thread. The column scale and the bias follow
     * in one fma. The bytes read from memory fall to a quarter; the multiply-adds stay float (the Vector API has no
     * integer dot product, so int8 arithmetic would take more instructions than FMA, not fewer).
     */
    private static void matmulForwardInt8(float[] out, float[] x, PackedMatrix w, float[] b, int M, int p0, int p1) {
        int K = w.rows, N = w.cols, cb = PANEL, size = K * cb;
        float[] panel = PANEL_SCRATCH.get();
        if (panel.length < size) PANEL_SCRATCH.set(panel = new float[size]);
        for (int p = p0; p < p1; p++) {
            int n = p * cb;
            if (CODES != null && !EIGHT_ROW_TILES && M <= FUSED_WIDEN_MAX_ROWS && n + cb <= N) {
                int m = 0;
                for (; m + 6 <= M; m += 6) block6x2q(out, x, w.codes, K, N, m, n, p * size);
                for (; m < M; m++) block1x2q(out, x, w.codes, K, N, m, n, p * size);
            } else {
                widenCodes(w.codes, p * size, panel, size);
                panelForward(out, x, panel, 0, null, K, N, M, n);
            }
            scaleColumns(out, w.scales, b, M, N, n);
        }
    }

    private static FloatVector widen(byte[] codes, int i) {
        return (FloatVector) ByteVector.fromArray(CODES, codes, i).convertShape(VectorOperators.B2F, S, 0);
    }

    /**
     * {@link #block6x2} over int8 codes: the same chains over k, each code widened exactly to a float. No bias or
     * scale. A copy of that loop with its loads swapped rather than one body taking the load as a function: a call
     * the JIT does not inline boxes the vectors it passes (see {@link #block8x3}), and this loop is the hot path.
     */
    private static void block6x2q(float[] out, float[] x, byte[] q, int K, int N, int m, int n, int wBase) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S);
        FloatVector a40 = FloatVector.zero(S), a41 = FloatVector.zero(S);
        FloatVector a50 = FloatVector.zero(S), a51 = FloatVector.zero(S);
        for (int k = 0, wk = wBase, xk = m * K; k < K; k++, wk += 2 * L, xk++) {
            FloatVector w0 = widen(q, wk);
            FloatVector w1 = widen(q, wk + L);
            FloatVector v = FloatVector.broadcast(S, x[xk]);
            a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(S, x[xk + K]);
            a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(S, x[xk + 2 * K]);
            a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(S, x[xk + 3 * K]);
            a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(S, x[xk + 4 * K]);
            a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(S, x[xk + 5 * K]);
            a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
        }
        int o = m * N + n;
        a00.intoArray(out, o); a01.intoArray(out, o + L); o += N;
        a10.intoArray(out, o); a11.intoArray(out, o + L); o += N;
        a20.intoArray(out, o); a21.intoArray(out, o + L); o += N;
        a30.intoArray(out, o); a31.intoArray(out, o + L); o += N;
        a40.intoArray(out, o); a41.intoArray(out, o + L); o += N;
        a50.intoArray(out, o); a51.intoArray(out, o + L);
    }

    private static void block1x2q(float[] out, float[] x, byte[] q, int K, int N, int m, int n, int wBase) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
        for (int k = 0, wk = wBase, xk = m * K; k < K; k++, wk += 2 * L, xk++) {
            FloatVector v = FloatVector.broadcast(S, x[xk]);
            a0 = widen(q, wk).fma(v, a0);
            a1 = widen(q, wk + L).fma(v, a1);
        }
        a0.intoArray(out, m * N + n);
        a1.intoArray(out, m * N + n + L);
    }

    /** dst[0, size) = src[from, from + size) as floats; size is a whole number of panels' rows. */
    static void widenCodes(byte[] src, int from, float[] dst, int size) {
        if (CODES == null) {
            for (int i = 0; i < size; i++) dst[i] = src[from + i];
            return;
        }
        for (int i = 0; i < size; i += L) {
            widen(src, from + i).intoArray(dst, i);
        }
    }

    /** out[m][n + j] = fma(out[m][n + j], scales[n + j], b[n + j]) over the panel's valid columns (a product when b is null). */
    private static void scaleColumns(float[] out, float[] scales, float[] b, int M, int N, int n) {
        int end = Math.min(N, n + PANEL);
        for (int m = 0; m < M; m++) {
            int o = m * N, c = n;
            for (; c + L <= end; c += L) {
                FloatVector v = FloatVector.fromArray(S, out, o + c), s = FloatVector.fromArray(S, scales, c);
                (b == null ? v.mul(s) : v.fma(s, FloatVector.fromArray(S, b, c))).intoArray(out, o + c);
            }
            for (; c < end; c++) out[o + c] = b == null ? out[o + c] * scales[c] : Math.fma(out[o + c], scales[c], b[c]);
        }
    }

    /** Rows m..m+5, columns n..n+2L of a two-vector panel (AVX2): twelve accumulators, as many as 16 registers allow. */
    private static void block6x2(float[] out, float[] x, float[] w, float[] b, int K, int N, int m, int n, int wBase) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S);
        FloatVector a40 = FloatVector.zero(S), a41 = FloatVector.zero(S);
        FloatVector a50 = FloatVector.zero(S), a51 = FloatVector.zero(S);
        for (int k = 0, wk = wBase, xk = m * K; k < K; k++, wk += 2 * L, xk++) {
            FloatVector w0 = FloatVector.fromArray(S, w, wk);
            FloatVector w1 = FloatVector.fromArray(S, w, wk + L);
            FloatVector v = FloatVector.broadcast(S, x[xk]);
            a00 = w0.fma(v, a00); a01 = w1.fma(v, a01);
            v = FloatVector.broadcast(S, x[xk + K]);
            a10 = w0.fma(v, a10); a11 = w1.fma(v, a11);
            v = FloatVector.broadcast(S, x[xk + 2 * K]);
            a20 = w0.fma(v, a20); a21 = w1.fma(v, a21);
            v = FloatVector.broadcast(S, x[xk + 3 * K]);
            a30 = w0.fma(v, a30); a31 = w1.fma(v, a31);
            v = FloatVector.broadcast(S, x[xk + 4 * K]);
            a40 = w0.fma(v, a40); a41 = w1.fma(v, a41);
            v = FloatVector.broadcast(S, x[xk + 5 * K]);
            a50 = w0.fma(v, a50); a51 = w1.fma(v, a51);
        }
        // stored raw and the bias added in a second pass, as in block8x3: no call that takes vectors
        int o = m * N + n;
        a00.intoArray(out, o); a01.intoArray(out, o + L); o += N;
        a10.intoArray(out, o); a11.intoArray(out, o + L); o += N;
        a20.intoArray(out, o); a21.intoArray(out, o + L); o += N;
        a30.intoArray(out, o); a31.intoArray(out, o + L); o += N;
        a40.intoArray(out, o); a41.intoArray(out, o + L); o += N;
        a50.intoArray(out, o); a51.intoArray(out, o + L);
        if (b != null) addBias2(out, b, m, 6, N, n);
    }

    private static void block1x2(float[] out, float[] x, float[] w, float[] b, int K, int N, int m, int n, int wBase) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
        for (int k = 0, wk = wBase, xk = m * K; k < K; k++, wk += 2 * L, xk++) {
            FloatVector v = FloatVector.broadcast(S, x[xk]);
            a0 = FloatVector.fromArray(S, w, wk).fma(v, a0);
            a1 = FloatVector.fromArray(S, w, wk + L).fma(v, a1);
        }
        int o = m * N + n;
        a0.intoArray(out, o);
        a1.intoArray(out, o + L);
        if (b != null) addBias2(out, b, m, 1, N, n);
    }

    /** out[rows m..m+rows) columns [n, n + 2L) += b; one rounding per element, as when added to the accumulator. */
    private static void addBias2(float[] out, float[] b, int m, int rows, int N, int n) {
        FloatVector b0 = FloatVector.fromArray(S, b, n), b1 = FloatVector.fromArray(S, b, n + L);
        for (int r = 0, o = m * N + n; r < rows; r++, o += N) {
            FloatVector.fromArray(S, out, o).add(b0).intoArray(out, o);
            FloatVector.fromArray(S, out, o + L).add(b1).intoArray(out, o + L);
        }
    }

    /** The whole packed matmul, panels split across the pool. */
    public static void matmulForward(Parallel pool, float[] out, float[] x, PackedMatrix w, float[] b, int M) {
        assert x.length >= M * w.rows && out.length >= M * w.cols : "buffer sizes";
        if (pool == null || pool.threads() == 1 || (long) M * w.rows * w.cols < 32_768) {
            matmulForward(out, x, w, b, M, 0, w.panels);
            return;
        }
        pool.forRange(w.panels, (t, p0, p1) -> matmulForward(out, x, w, b, M, p0, p1));
    }

    /** Rows m..m+3, columns n..n+3L; weight row k of this block starts at w[wBase + k * wStride]. */
    private static void block4x3(float[] out, float[] x, float[] w, float[] b, int K, int N, int m, int n, int wBase, int wStride) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S), a02 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S), a12 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S), a22 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S), a32 = FloatVector.zero(S);
        int x0 = m * K, x1 = x0 + K, x2 = x1 + K, x3 = x2 + K;
        for (int k = 0, wk = wBase; k < K; k++, wk += wStride) {
            FloatVector w0 = FloatVector.fromArray(S, w, wk);
            FloatVector w1 = FloatVector.fromArray(S, w, wk + L);
            FloatVector w2 = FloatVector.fromArray(S, w, wk + 2 * L);
            FloatVector v = FloatVector.broadcast(S, x[x0 + k]);
            a00 = w0.fma(v, a00); a01 = w1.fma(v, a01); a02 = w2.fma(v, a02);
            v = FloatVector.broadcast(S, x[x1 + k]);
            a10 = w0.fma(v, a10); a11 = w1.fma(v, a11); a12 = w2.fma(v, a12);
            v = FloatVector.broadcast(S, x[x2 + k]);
            a20 = w0.fma(v, a20); a21 = w1.fma(v, a21); a22 = w2.fma(v, a22);
            v = FloatVector.broadcast(S, x[x3 + k]);
            a30 = w0.fma(v, a30); a31 = w1.fma(v, a31); a32 = w2.fma(v, a32);
        }
        store3(out, b, (m) * N + n, n, a00, a01, a02);
        store3(out, b, (m + 1) * N + n, n, a10, a11, a12);
        store3(out, b, (m + 2) * N + n, n, a20, a21, a22);
        store3(out, b, (m + 3) * N + n, n, a30, a31, a32);
    }

    /** Rows m..m+7, columns n..n+3L: {@link #block4x3} with twice the rows, for 32-register machines. */
    private static void block8x3(float[] out, float[] x, float[] w, float[] b, int K, int N, int m, int n, int wBase, int wStride) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S), a02 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S), a12 = FloatVector.zero(S);
        FloatVector a20 = FloatVector.zero(S), a21 = FloatVector.zero(S), a22 = FloatVector.zero(S);
        FloatVector a30 = FloatVector.zero(S), a31 = FloatVector.zero(S), a32 = FloatVector.zero(S);
        FloatVector a40 = FloatVector.zero(S), a41 = FloatVector.zero(S), a42 = FloatVector.zero(S);
        FloatVector a50 = FloatVector.zero(S), a51 = FloatVector.zero(S), a52 = FloatVector.zero(S);
        FloatVector a60 = FloatVector.zero(S), a61 = FloatVector.zero(S), a62 = FloatVector.zero(S);
        FloatVector a70 = FloatVector.zero(S), a71 = FloatVector.zero(S), a72 = FloatVector.zero(S);
        for (int k = 0, wk = wBase, xk = m * K; k < K; k++, wk += wStride, xk++) {
            FloatVector w0 = FloatVector.fromArray(S, w, wk);
            FloatVector w1 = FloatVector.fromArray(S, w, wk + L);
            FloatVector w2 = FloatVector.fromArray(S, w, wk + 2 * L);
            FloatVector v = FloatVector.broadcast(S, x[xk]);
            a00 = w0.fma(v, a00); a01 = w1.fma(v, a01); a02 = w2.fma(v, a02);
            v = FloatVector.broadcast(S, x[xk + K]);
            a10 = w0.fma(v, a10); a11 = w1.fma(v, a11); a12 = w2.fma(v, a12);
            v = FloatVector.broadcast(S, x[xk + 2 * K]);
            a20 = w0.fma(v, a20); a21 = w1.fma(v, a21); a22 = w2.fma(v, a22);
            v = FloatVector.broadcast(S, x[xk + 3 * K]);
            a30 = w0.fma(v, a30); a31 = w1.fma(v, a31); a32 = w2.fma(v, a32);
            v = FloatVector.broadcast(S, x[xk + 4 * K]);
            a40 = w0.fma(v, a40); a41 = w1.fma(v, a41); a42 = w2.fma(v, a42);
            v = FloatVector.broadcast(S, x[xk + 5 * K]);
            a50 = w0.fma(v, a50); a51 = w1.fma(v, a51); a52 = w2.fma(v, a52);
            v = FloatVector.broadcast(S, x[xk + 6 * K]);
            a60 = w0.fma(v, a60); a61 = w1.fma(v, a61); a62 = w2.fma(v, a62);
            v = FloatVector.broadcast(S, x[xk + 7 * K]);
            a70 = w0.fma(v, a70); a71 = w1.fma(v, a71); a72 = w2.fma(v, a72);
        }
        // Stored raw, the bias added in a second pass: with eight store3 calls this method outgrows C2's inlining
        // budget, and a call that takes vectors boxes the accumulators (8x slower). Reloading a stored float and
        // adding the bias gives the same bits as adding it in registers.
        int o = m * N + n;
        a00.intoArray(out, o); a01.intoArray(out, o + L); a02.intoArray(out, o + 2 * L); o += N;
        a10.intoArray(out, o); a11.intoArray(out, o + L); a12.intoArray(out, o + 2 * L); o += N;
        a20.intoArray(out, o); a21.intoArray(out, o + L); a22.intoArray(out, o + 2 * L); o += N;
        a30.intoArray(out, o); a31.intoArray(out, o + L); a32.intoArray(out, o + 2 * L); o += N;
        a40.intoArray(out, o); a41.intoArray(out, o + L); a42.intoArray(out, o + 2 * L); o += N;
        a50.intoArray(out, o); a51.intoArray(out, o + L); a52.intoArray(out, o + 2 * L); o += N;
        a60.intoArray(out, o); a61.intoArray(out, o + L); a62.intoArray(out, o + 2 * L); o += N;
        a70.intoArray(out, o); a71.intoArray(out, o + L); a72.intoArray(out, o + 2 * L);
        if (b != null) addBias(out, b, m, 8, N, n);
    }

    /** out[rows m..m+rows) columns [n, n + 3L) += b; one rounding per element, as when added to the accumulator. */
    private static void addBias(float[] out, float[] b, int m, int rows, int N, int n) {
        FloatVector b0 = FloatVector.fromArray(S, b, n), b1 = FloatVector.fromArray(S, b, n + L), b2 = FloatVector.fromArray(S, b, n + 2 * L);
        for (int r = 0, o = m * N + n; r < rows; r++, o += N) {
            FloatVector.fromArray(S, out, o).add(b0).intoArray(out, o);
            FloatVector.fromArray(S, out, o + L).add(b1).intoArray(out, o + L);
            FloatVector.fromArray(S, out, o + 2 * L).add(b2).intoArray(out, o + 2 * L);
        }
    }

    private static void block1x3(float[] out, float[] x, float[] w, float[] b, int K, int N, int m, int n, int wBase, int wStride) {
        FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S);
        int x0 = m * K;
        for (int k = 0, wk = wBase; k < K; k++, wk += wStride) {
            FloatVector v = FloatVector.broadcast(S, x[x0 + k]);
            a0 = FloatVector.fromArray(S, w, wk).fma(v, a0);
            a1 = FloatVector.fromArray(S, w, wk + L).fma(v, a1);
            a2 = FloatVector.fromArray(S, w, wk + 2 * L).fma(v, a2);
        }
        store3(out, b, m * N + n, n, a0, a1, a2);
    }

    private static void block1x1(float[] out, float[] x, float[] w, float[] b, int K, int N, int m, int n) {
        FloatVector a0 = FloatVector.zero(S);
        int x0 = m * K;
        for (int k = 0, wk = n; k < K; k++, wk += N) {
            a0 = FloatVector.fromArray(S, w, wk).fma(FloatVector.broadcast(S, x[x0 + k]), a0);
        }
        if (b != null) a0 = a0.add(FloatVector.fromArray(S, b, n));
        a0.intoArray(out, m * N + n);
    }

    private static void store3(float[] out, float[] b, int o, int n, FloatVector a0, FloatVector a1, FloatVector a2) {
        if (b != null) {
            a0 = a0.add(FloatVector.fromArray(S, b, n));
            a1 = a1.add(FloatVector.fromArray(S, b, n + L));
            a2 = a2.add(FloatVector.fromArray(S, b, n + 2 * L));
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + L);
        a2.intoArray(out, o + 2 * L);
    }

    /** Row-wise layer norm over C for rows [m0, m1); out may alias x. */
    public static void layerNormForward(float[] out, float[] x, float[] gamma, float[] beta, int C, float eps, int m0, int m1) {
        for (int m = m0; m < m1; m++) {
            int o = m * C;
            double mean = LayerNormStats.rowMean(x, o, C);
            float fmean = (float) mean;
            float rstd = (float) LayerNormStats.rowRstd(x, o, C, mean, eps);
            int c = 0;
            FloatVector vm = FloatVector.broadcast(S, fmean), vr = FloatVector.broadcast(S, rstd);
            for (; c + L <= C; c += L) {
                FloatVector v = FloatVector.fromArray(S, x, o + c).sub(vm).mul(vr);
                v.fma(FloatVector.fromArray(S, gamma, c), FloatVector.fromArray(S, beta, c)).intoArray(out, o + c);
            }
            for (; c < C; c++) out[o + c] = Math.fma((x[o + c] - fmean) * rstd, gamma[c], beta[c]);
        }
    }

    /** Exact (erf) GELU in place over [i0, i1). */
    public static void geluForward(float[] x, int i0, int i1) {
        int i = i0;
        FloatVector half = FloatVector.broadcast(S, 0.5f);
        FloatVector invSqrt2 = FloatVector.broadcast(S, (float) (1 / Math.sqrt(2)));
        for (; i + L <= i1; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            v.mul(half).mul(onePlusErf(v.mul(invSqrt2))).intoArray(x, i);
        }
        for (; i < i1; i++) x[i] = geluScalarFast(x[i]);
    }

    // 1 + erf(x) straight from erfc(|x|): erfc(|x|) for x < 0, 2 - erfc(|x|) otherwise. Forming erf = 1 - erfc
    // first and then adding 1 cancels every bit of the left tail (GELU(-5.6) = -2.6e-7 came out as -0).
    static FloatVector onePlusErf(FloatVector x) {
        FloatVector erfc = erfcAbs(x);
        return erfc.neg().add(2f).blend(erfc, x.compare(VectorOperators.LT, 0f));
    }

    // Abramowitz & Stegun 7.1.26 is only 1.5e-7 absolute; float32 needs better, so this uses the
    // same rational form with erfc(x) = t*exp(-x^2 + P(t)) (Numerical Recipes erfcc, |rel err| < 1.2e-7).
    /** erfc(|x|). */
    static FloatVector erfcAbs(FloatVector x) {
        FloatVector z = x.abs();
        FloatVector t = FloatVector.broadcast(S, 1f).div(z.mul(0.5f).add(1f));
        FloatVector p = t.mul(0.17087277f).add(-0.82215223f);
        p = p.fma(t, FloatVector.broadcast(S, 1.48851587f));
        p = p.fma(t, FloatVector.broadcast(S, -1.13520398f));
        p = p.fma(t, FloatVector.broadcast(S, 0.27886807f));
        p = p.fma(t, FloatVector.broadcast(S, -0.18628806f));
        p = p.fma(t, FloatVector.broadcast(S, 0.09678418f));
        p = p.fma(t, FloatVector.broadcast(S, 0.37409196f));
        p = p.fma(t, FloatVector.broadcast(S, 1.00002368f));
        p = p.fma(t, FloatVector.broadcast(S, -1.26551223f));
        return t.mul(expForward(z.mul(z).neg().add(p)));
    }

    // exp from lanewise add/mul/fma only (Cody-Waite reduction, Cephes expf polynomial, ~1 ulp): lanewise(EXP)
    // is a SIMD intrinsic in C2-compiled code but Math.exp per lane in interpreted code, and the two differ in
    // the last bit, which made an input's embedding depend on how warm the JIT was.
    private static final float EXP_LO = -87.33f, EXP_HI = 88f, LOG2E = 1.44269504f, ROUND = 12582912f; // 1.5 * 2^23

    static FloatVector expForward(FloatVector x) {
        x = x.max(EXP_LO).min(EXP_HI);
        FloatVector n = x.fma(LOG2E, ROUND).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -0.693359375f), x);
        r = n.fma(FloatVector.broadcast(S, 2.12194440e-4f), r);
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        p = p.fma(r.mul(r), r).add(1f);
        IntVector e = (IntVector) n.convert(VectorOperators.F2I, 0);
        return p.mul(e.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
    }

    /** The scalar form of {@link #expForward(FloatVector)}: the same operations in the same order, so the same bits. */
    static float expFast(float x) {
        x = Math.min(Math.max(x, EXP_LO), EXP_HI);
        float n = Math.fma(x, LOG2E, ROUND) - ROUND;
        float r = Math.fma(n, -0.693359375f, x);
        r = Math.fma(n, 2.12194440e-4f, r);
        float p = Math.fma(r, 1.9875691500e-4f, 1.3981999507e-3f);
        p = Math.fma(p, r, 8.3334519073e-3f);
        p = Math.fma(p, r, 4.1665795894e-2f);
        p = Math.fma(p, r, 1.6666665459e-1f);
        p = Math.fma(p, r, 5.0000001201e-1f);
        p = Math.fma(p, r * r, r) + 1f;
        return p * Float.intBitsToFloat(((int) n + 127) << 23);
    }

    /** erfc(|x|), the scalar form of {@link #erfcAbs(FloatVector)} with the same operations in the same order. */
    static float erfcAbsFast(float x) {
        float z = Math.abs(x);
        float t = 1f / (1f + 0.5f * z);
        float p = t * 0.17087277f - 0.82215223f;
        p = Math.fma(p, t, 1.48851587f);
        p = Math.fma(p, t, -1.13520398f);
        p = Math.fma(p, t, 0.27886807f);
        p = Math.fma(p, t, -0.18628806f);
        p = Math.fma(p, t, 0.09678418f);
        p = Math.fma(p, t, 0.37409196f);
        p = Math.fma(p, t, 1.00002368f);
        p = Math.fma(p, t, -1.26551223f);
        return t * expFast(-z * z + p);
    }

    static float geluScalarFast(float v) {
        float u = v * (float) (1 / Math.sqrt(2));
        float erfc = erfcAbsFast(u);
        return 0.5f * v * (u < 0 ? erfc : 2f - erfc);
    }

    /** a += b over [i0, i1). */
    public static void addInPlace(float[] a, float[] b, int i0, int i1) {
        int i = i0;
        for (; i + L <= i1; i += L) FloatVector.fromArray(S, a, i).add(FloatVector.fromArray(S, b, i)).intoArray(a, i);
        for (; i < i1; i++) a[i] += b[i];
    }

    /** a[aOff..aOff+n) += b[bOff..bOff+n). */
    public static void addInPlace(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        for (; i + L <= n; i += L) FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i)).intoArray(a, aOff + i);
        for (; i < n; i++) a[aOff + i] += b[bOff + i];
    }

    /** Dot product; lane-parallel partial sums, so not bit-equal to the scalar twin (tested to tolerance), but deterministic. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i + L <= n; i += L) acc = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc);
        // lanes summed in lane order: reduceLanes(ADD) may associate differently in interpreted and compiled
        // code (it did: ~40% of results differed in the last bit), and attention scores and exit cosines must not
        // depend on JIT state
        float s = 0f;
        for (int j = 0; j < L; j++) s += acc.lane(j);
        for (; i < n; i++) s = Math.fma(a[aOff + i], b[bOff + i], s);
        return s;
    }

    /** y[0..n) += alpha * x[xOff..xOff+n). */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(S, x, xOff + i).fma(va, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] = Math.fma(x[xOff + i], alpha, y[yOff + i]);
    }

    /**
     * Multi-head self-attention over packed rows (no padding): row r owns tokens [offsets[r], offsets[r] + lens[r]).
     * qkv (Ntok, 3C) holds q | k | v per token; out (Ntok, C). Runs (row, head) pairs [p0, p1) where pair = r * H + h.
     * Keys beyond a row's length do not exist here, which is exactly the padding mask.
     * Each head's keys are first transposed to (D, len rounded up to whole vectors) so that scores are vectorised over keys as one fused
     * multiply-add chain over d per score: no horizontal reduction, whose rounding may depend on JIT state.
     * scratch: per-worker, at least {@link #attentionScratchSize}(D, max(lens)) floats.
     */
    public static void attentionForward(float[] out, float[] qkv, int[] offsets, int[] lens, int H, int D,
                                        int p0, int p1, float[] scratch) {
        int C = H * D, C3 = 3 * C;
        float scale = (float) (1.0 / Math.sqrt(D));
        for (int p = p0; p < p1; p++) {
            int r = p / H, h = p % H;
            int off = offsets[r], len = lens[r], lenP = padToVector(len);
            if (scratch.length < attentionScratchSize(D, len)) {
                throw new IllegalArgumentException("attention scratch holds " + scratch.length + " floats; a row of " + len + " tokens needs " + attentionScratchSize(D, len));
            }
            // scratch: keys transposed (D, lenP), zero past len, so every score vector is whole; then the
            // probabilities (len, lenP). Scores of the zero keys are never read.
            int probs = D * lenP;
            for (int d = 0; d < D; d++) {
                java.util.Arrays.fill(scratch, d * lenP + len, (d + 1) * lenP, 0f);
            }
            for (int j = 0; j < len; j++) {
                int k = (off + j) * C3 + C + h * D;
                for (int d = 0; d < D; d++) scratch[d * lenP + j] = qkv[k + d];
            }
            attentionScores(scratch, probs, qkv, (off * C3) + h * D, C3, len, lenP, D, scale);
            for (int i = 0; i < len; i++) softmaxForward(scratch, probs + i * lenP, len, lenP);
            attentionValues(out, off * C + h * D, C, scratch, probs, qkv, off * C3 + 2 * C + h * D, C3, len, lenP, D);
        }
    }

    /** Keys per row rounded up to whole vectors. */
    static int padToVector(int len) {
        return (len + L - 1) / L * L;
    }

    /**
     * s[probs + i * lenP + j] = scale * (q_i . k_j) for queries i < len, keys j < lenP, keys transposed at s[0, D * lenP);
     * q_i at qkv[q + i * C3]. Four queries share each key load; every score is one FMA chain over d.
     */
    private static void attentionScores(float[] s, int probs, float[] qkv, int q, int C3, int len, int lenP, int D, float scale) {
        int i = 0;
        for (; i + 4 <= len; i += 4) {
            int q0 = q + i * C3, q1 = q0 + C3, q2 = q1 + C3, q3 = q2 + C3;
            for (int j = 0; j < lenP; j += L) {
                FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
                for (int d = 0, kd = j; d < D; d++, kd += lenP) {
                    FloatVector k = FloatVector.fromArray(S, s, kd);
                    a0 = k.fma(FloatVector.broadcast(S, qkv[q0 + d]), a0);
                    a1 = k.fma(FloatVector.broadcast(S, qkv[q1 + d]), a1);
                    a2 = k.fma(FloatVector.broadcast(S, qkv[q2 + d]), a2);
                    a3 = k.fma(FloatVector.broadcast(S, qkv[q3 + d]), a3);
                }
                int o = probs + i * lenP + j;
                a0.mul(scale).intoArray(s, o);
                a1.mul(scale).intoArray(s, o + lenP);
                a2.mul(scale).intoArray(s, o + 2 * lenP);
                a3.mul(scale).intoArray(s, o + 3 * lenP);
            }
        }
        for (; i < len; i++) {
            int q0 = q + i * C3;
            for (int j = 0; j < lenP; j += L) {
                FloatVector a0 = FloatVector.zero(S);
                for (int d = 0, kd = j; d < D; d++, kd += lenP) {
                    a0 = FloatVector.fromArray(S, s, kd).fma(FloatVector.broadcast(S, qkv[q0 + d]), a0);
                }
                a0.mul(scale).intoArray(s, probs + i * lenP + j);
            }
        }
    }

    /** Softmax in place over s[o, o + len); s[o + len, o + lenP) becomes 0. */
    private static void softmaxForward(float[] s, int o, int len, int lenP) {
        java.util.Arrays.fill(s, o + len, o + lenP, Float.NEGATIVE_INFINITY);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < lenP; j += L) vmax = vmax.max(FloatVector.fromArray(S, s, o + j));
        // max is exact in any order; the sum keeps lane partials added in lane order (deterministic)
        vmax = FloatVector.broadcast(S, vmax.reduceLanes(VectorOperators.MAX));
        for (int j = 0; j < lenP; j += L) expForward(FloatVector.fromArray(S, s, o + j).sub(vmax)).intoArray(s, o + j);
        java.util.Arrays.fill(s, o + len, o + lenP, 0f);
        FloatVector vsum = FloatVector.zero(S);
        for (int j = 0; j < lenP; j += L) vsum = vsum.add(FloatVector.fromArray(S, s, o + j));
        float sum = 0f;
        for (int lane = 0; lane < L; lane++) sum += vsum.lane(lane);
        FloatVector inv = FloatVector.broadcast(S, 1f / sum);
        for (int j = 0; j < lenP; j += L) FloatVector.fromArray(S, s, o + j).mul(inv).intoArray(s, o + j);
    }

    /**
     * out[o + i * C + d] = sum over j < len of P[i][j] * v_j[d], v_j at qkv[v + j * C3], P at s[probs + i * lenP];
     * four queries share each value load; one FMA chain over j per element.
     */
    private static void attentionValues(float[] out, int o, int C, float[] s, int probs, float[] qkv, int v, int C3, int len, int lenP, int D) {
        int i = 0;
        for (; i + 4 <= len; i += 4) {
            int p0 = probs + i * lenP, p1 = p0 + lenP, p2 = p1 + lenP, p3 = p2 + lenP;
            int o0 = o + i * C;
            int d = 0;
            for (; d + L <= D; d += L) {
                FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S);
                for (int j = 0, vj = v + d; j < len; j++, vj += C3) {
                    FloatVector x = FloatVector.fromArray(S, qkv, vj);
                    a0 = x.fma(FloatVector.broadcast(S, s[p0 + j]), a0);
                    a1 = x.fma(FloatVector.broadcast(S, s[p1 + j]), a1);
                    a2 = x.fma(FloatVector.broadcast(S, s[p2 + j]), a2);
                    a3 = x.fma(FloatVector.broadcast(S, s[p3 + j]), a3);
                }
                a0.intoArray(out, o0 + d);
                a1.intoArray(out, o0 + C + d);
                a2.intoArray(out, o0 + 2 * C + d);
                a3.intoArray(out, o0 + 3 * C + d);
            }
            for (; d < D; d++) {
                for (int t = 0; t < 4; t++) out[o0 + t * C + d] = valueScalar(s, p0 + t * lenP, qkv, v + d, C3, len);
            }
        }
        for (; i < len; i++) {
            int p0 = probs + i * lenP, o0 = o + i * C;
            int d = 0;
            for (; d + L <= D; d += L) {
                FloatVector a0 = FloatVector.zero(S);
                for (int j = 0, vj = v + d; j < len; j++, vj += C3) {
                    a0 = FloatVector.fromArray(S, qkv, vj).fma(FloatVector.broadcast(S, s[p0 + j]), a0);
                }
                a0.intoArray(out, o0 + d);
            }
            for (; d < D; d++) out[o0 + d] = valueScalar(s, p0, qkv, v + d, C3, len);
        }
    }

    private static float valueScalar(float[] s, int p, float[] qkv, int v, int C3, int len) {
        float acc = 0f;
        for (int j = 0; j < len; j++) acc = Math.fma(qkv[v + j * C3], s[p + j], acc);
        return acc;
    }

    /** Floats of per-worker scratch {@link #attentionForward} needs for rows of up to maxLen tokens. */
    public static int attentionScratchSize(int D, int maxLen) {
        return (D + maxLen) * padToVector(maxLen);
    }
}
