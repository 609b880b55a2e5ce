package dev.leap4j.model;

import dev.leap4j.tensor.Kernels;

import java.util.Locale;

/**
 * sentence-transformers' Pooling module: how a layer's token states become one sentence embedding, forward and
 * backward. LEAP pools every layer the same way, so the exit rule compares like with like.
 */
public enum Pooling {
    /** Masked mean over the input's tokens (all-MiniLM, e5). */
    MEAN,
    /** The first token's state (bge). */
    CLS;

    public static Pooling parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown pooling '" + s + "': use mean or cls");
        }
    }

    /** pooled (C) at pooledOff from row tokens [off, off + len) of x (N, C). */
    public void forward(float[] x, int C, int off, int len, float[] pooled, int pooledOff) {
        if (this == CLS) {
            System.arraycopy(x, off * C, pooled, pooledOff, C);
            return;
        }
        java.util.Arrays.fill(pooled, pooledOff, pooledOff + C, 0f);
        for (int i = 0; i < len; i++) Kernels.addInPlace(pooled, pooledOff, x, (off + i) * C, C);
        float n = len;
        for (int k = 0; k < C; k++) pooled[pooledOff + k] /= n;
    }

    /** dx rows [off, off + len) of (N, C) += the gradient of this pooling given dpooled (C) at pOff. */
    public void backward(float[] dx, int C, int off, int len, float[] dpooled, int pOff) {
        switch (this) {
            case MEAN -> {
                float inv = 1f / len;
                for (int i = 0; i < len; i++) Kernels.axpy(inv, dpooled, pOff, dx, (off + i) * C, C);
            }
            // the gradient of a CLS state goes to the row's first token only
            case CLS -> Kernels.axpy(1f, dpooled, pOff, dx, off * C, C);
        }
    }
}
