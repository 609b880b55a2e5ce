package dev.leap4j.model;

import java.util.Locale;

/** How a layer's token states become one sentence embedding (sentence-transformers' pooling modes). */
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
}
