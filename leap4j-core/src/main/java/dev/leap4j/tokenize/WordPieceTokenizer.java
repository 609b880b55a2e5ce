package dev.leap4j.tokenize;

import java.util.List;

/**
 * A BERT tokenizer.json run in Java: added tokens split out of the raw text, {@link BertNormalizer}, the
 * {@code BertPreTokenizer} split (whitespace removed, each punctuation character a word of its own), {@link WordPiece},
 * right truncation to the max length, and the single-sequence template ([CLS] text [SEP] for BERT models).
 * It gives the ids Hugging Face's reference implementation gives for the same file ({@code WordPieceParityTest}).
 */
final class WordPieceTokenizer implements TextTokenizer.Encoder {
    /**
     * A token of tokenizer.json's added_tokens: matched as written in the raw text, or, when normalized, in the
     * normalized text against its own normalized content.
     */
    record AddedToken(String content, int id, boolean normalized) {
    }

    /** The template around one sequence: ids and type ids before it and after it, and the sequence's type id. */
    record Template(int[] headIds, int[] headTypes, int sequenceType, int[] tailIds, int[] tailTypes) {
        int specials() {
            return headIds.length + tailIds.length;
        }
    }

    private final List<AddedToken> raw;        // matched before normalization
    private final List<AddedToken> normalized; // matched after it, with content normalized
    private final BertNormalizer normalizer;   // null: the text is taken as it is
    private final WordPiece model;
    private final Template template;
    private final int maxLength;

    WordPieceTokenizer(List<AddedToken> added, BertNormalizer normalizer, WordPiece model, Template template, int maxLength) {
        this.raw = added.stream().filter(t -> !t.normalized()).toList();
        this.normalized = added.stream().filter(AddedToken::normalized)
                .map(t -> new AddedToken(normalizer == null ? t.content() : normalizer.normalize(t.content()), t.id(), true))
                .filter(t -> !t.content().isEmpty()).toList();
        this.normalizer = normalizer;
        this.model = model;
        this.template = template;
        this.maxLength = maxLength;
    }

    @Override
    public TokenizedText encode(String text) {
        WordPiece.IntList ids = new WordPiece.IntList();
        splitOnAdded(text, raw, ids, true);
        int room = maxLength - template.specials();
        boolean truncated = ids.size() > room;
        int n = Math.min(ids.size(), room);
        int[] outIds = new int[n + template.specials()], types = new int[outIds.length];
        int k = 0;
        for (int i = 0; i < template.headIds().length; i++, k++) {
            outIds[k] = template.headIds()[i];
            types[k] = template.headTypes()[i];
        }
        for (int i = 0; i < n; i++, k++) {
            outIds[k] = ids.get(i);
            types[k] = template.sequenceType();
        }
        for (int i = 0; i < template.tailIds().length; i++, k++) {
            outIds[k] = template.tailIds()[i];
            types[k] = template.tailTypes()[i];
        }
        return new TokenizedText(outIds, types, truncated);
    }

    /** The leftmost, then longest, added token starting each match; the text between goes on down the pipeline. */
    private void splitOnAdded(String text, List<AddedToken> tokens, WordPiece.IntList out, boolean beforeNormalization) {
        int from = 0;
        for (int i = 0; i < text.length(); ) {
            AddedToken hit = null;
            for (AddedToken t : tokens) {
                if ((hit == null || t.content().length() > hit.content().length()) && text.startsWith(t.content(), i)) hit = t;
            }
            if (hit == null) {
                i += Character.charCount(text.codePointAt(i));
                continue;
            }
            segment(text.substring(from, i), out, beforeNormalization);
            out.add(hit.id());
            i += hit.content().length();
            from = i;
        }
        segment(text.substring(from), out, beforeNormalization);
    }

    private void segment(String piece, WordPiece.IntList out, boolean beforeNormalization) {
        if (piece.isEmpty()) return;
        if (beforeNormalization) {
            String norm = normalizer == null ? piece : normalizer.normalize(piece);
            if (normalized.isEmpty()) words(norm, out);
            else splitOnAdded(norm, normalized, out, false);
        } else {
            words(piece, out);
        }
    }

    /** BertPreTokenizer: whitespace separates words and is dropped; every punctuation character is a word. */
    private void words(String s, WordPiece.IntList out) {
        int start = -1;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int next = i + Character.charCount(c);
            if (ReferenceUnicode.isWhiteSpace(c)) {
                if (start >= 0) model.tokenize(s.substring(start, i), out);
                start = -1;
            } else if (ReferenceUnicode.isPunctuation(c)) {
                if (start >= 0) model.tokenize(s.substring(start, i), out);
                model.tokenize(s.substring(i, next), out);
                start = -1;
            } else if (start < 0) {
                start = i;
            }
            i = next;
        }
        if (start >= 0) model.tokenize(s.substring(start), out);
    }

    @Override
    public void close() {
    }
}
