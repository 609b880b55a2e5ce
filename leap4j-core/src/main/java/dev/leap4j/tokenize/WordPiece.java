package dev.leap4j.tokenize;

import java.util.Map;

/**
 * Hugging Face's {@code WordPiece} model: each word split greedily into the longest vocabulary entries from the left,
 * pieces after the first spelled with the continuation prefix ("##"); a word with a part no entry covers, or longer
 * than {@code maxInputCharsPerWord} characters, becomes the unknown token as a whole.
 */
record WordPiece(Map<String, Integer> vocab, int unkId, String continuingSubwordPrefix, int maxInputCharsPerWord) {

    /** Appends the word's ids to out. */
    void tokenize(String word, IntList out) {
        if (word.codePointCount(0, word.length()) > maxInputCharsPerWord) {
            out.add(unkId);
            return;
        }
        int mark = out.size();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer id = null;
            while (start < end) {
                String piece = start == 0 ? word.substring(0, end) : continuingSubwordPrefix + word.substring(start, end);
                id = vocab.get(piece);
                if (id != null) break;
                end = word.offsetByCodePoints(end, -1);
            }
            if (id == null) {
                out.truncate(mark);
                out.add(unkId);
                return;
            }
            out.add(id);
            start = end;
        }
    }

    /** A growable int array: the tokenizer's per-text scratch, without boxing. */
    static final class IntList {
        private int[] a = new int[64];
        private int n;

        void add(int v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, 2 * n);
            a[n++] = v;
        }

        int size() {
            return n;
        }

        int get(int i) {
            return a[i];
        }

        void truncate(int size) {
            n = size;
        }
    }
}
