package dev.leap4j.train;

import dev.leap4j.tokenize.TokenizedText;

import java.util.List;

/** A packed batch: row r owns tokens [offsets[r], offsets[r] + lens[r]) of ids and typeIds. */
public record Batch(int[] ids, int[] typeIds, int[] offsets, int[] lens) {
    public static Batch of(List<TokenizedText> texts) {
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
        return new Batch(ids, types, offsets, lens);
    }

    public int rows() {
        return lens.length;
    }

    public int tokens() {
        return ids.length;
    }

    public int maxLen() {
        int m = 0;
        for (int l : lens) m = Math.max(m, l);
        return m;
    }
}
