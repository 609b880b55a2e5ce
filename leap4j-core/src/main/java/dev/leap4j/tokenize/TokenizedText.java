package dev.leap4j.tokenize;

/**
 * One input's token ids with special tokens, after truncation.
 *
 * @param truncated whether the text had more tokens than the model's max length and was cut
 */
public record TokenizedText(int[] ids, int[] typeIds, boolean truncated) {
    public TokenizedText {
        if (ids.length == 0) throw new IllegalArgumentException("a tokenized text needs at least one token");
        if (typeIds.length != ids.length) throw new IllegalArgumentException("ids and type ids differ in length");
    }

    public int length() {
        return ids.length;
    }
}
