package dev.leap4j.model;

import dev.leap4j.tokenize.TokenizedText;

import java.util.List;

/**
 * Inputs packed without padding: active row r owns tokens [offsets[r], offsets[r] + lens[r]) of ids, typeIds and of
 * every (N, ·) state buffer run over the batch. Rows can be dropped mid-stack ({@link #retain}); the survivors move
 * to the front in order and {@link #slot} keeps each one's original index.
 */
public final class PackedBatch {
    private final int[] ids, typeIds; // (N) token and segment ids, rows back to back
    private final int[] offsets;      // (rows) first token of each active row
    private final int[] lens;         // (rows) tokens of each active row
    private final int[] slots;        // (rows) original index of each active row
    private int rows;

    /** A batch over packed arrays; offsets must be the running sums of lens, as {@link #of} builds them. */
    public PackedBatch(int[] ids, int[] typeIds, int[] offsets, int[] lens) {
        if (lens.length == 0) throw new IllegalArgumentException("a batch needs at least one input");
        if (offsets.length != lens.length || ids.length != typeIds.length) throw new IllegalArgumentException("batch arrays differ in length");
        int n = 0;
        for (int r = 0; r < lens.length; r++) {
            if (offsets[r] != n || lens[r] < 1) throw new IllegalArgumentException("row " + r + " is not packed after the previous row, or empty");
            n += lens[r];
        }
        if (n != ids.length) throw new IllegalArgumentException("rows cover " + n + " tokens, the arrays hold " + ids.length);
        this.ids = ids;
        this.typeIds = typeIds;
        this.offsets = offsets;
        this.lens = lens;
        this.rows = lens.length;
        this.slots = new int[rows];
        for (int r = 0; r < rows; r++) slots[r] = r;
    }

    public static PackedBatch of(List<TokenizedText> texts) {
        if (texts.isEmpty()) throw new IllegalArgumentException("a batch needs at least one input");
        int rows = texts.size();
        int[] offsets = new int[rows], lens = new int[rows];
        int n = 0;
        for (int r = 0; r < rows; r++) {
            offsets[r] = n;
            lens[r] = texts.get(r).length();
            n += lens[r];
        }
        int[] ids = new int[n], types = new int[n];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(texts.get(r).ids(), 0, ids, offsets[r], lens[r]);
            System.arraycopy(texts.get(r).typeIds(), 0, types, offsets[r], lens[r]);
        }
        return new PackedBatch(ids, types, offsets, lens);
    }

    /** Active rows. */
    public int rows() {
        return rows;
    }

    /** Tokens of the active rows. */
    public int tokens() {
        return offsets[rows - 1] + lens[rows - 1];
    }

    public int maxLen() {
        int m = 0;
        for (int r = 0; r < rows; r++) m = Math.max(m, lens[r]);
        return m;
    }

    /** The original index (in the list the batch was built from) of active row r. */
    public int slot(int r) {
        return slots[r];
    }

    // The arrays themselves, for kernels that index tokens directly; only the first rows() entries are active, and
    // ids/typeIds keep the original packing (embeddings run before any row is dropped).
    public int[] ids() {
        return ids;
    }

    public int[] typeIds() {
        return typeIds;
    }

    public int[] offsets() {
        return offsets;
    }

    public int[] lens() {
        return lens;
    }

    /**
     * Drops the active rows with drop[r], moving the survivors' tokens in x (N, C) to the front in order (rows never
     * overlap their destination: each moves down by the tokens dropped before it). Returns the rows left.
     */
    public int retain(boolean[] drop, float[] x, int C) {
        int kept = 0, tokens = 0;
        for (int r = 0; r < rows; r++) {
            if (drop[r]) continue;
            if (offsets[r] != tokens) System.arraycopy(x, offsets[r] * C, x, tokens * C, lens[r] * C);
            offsets[kept] = tokens;
            lens[kept] = lens[r];
            slots[kept] = slots[r];
            tokens += lens[r];
            kept++;
        }
        rows = kept;
        return kept;
    }
}
