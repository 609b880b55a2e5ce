package dev.leap4j.tokenize;

import dev.leap4j.api.UsageException;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Hugging Face tokenizer.json semantics through DJL's binding of the reference Rust implementation: special
 * tokens added, right truncation to the model's max length (reported per input), no padding (the engine packs
 * rows without padding, so a pad token would only waste work).
 */
public final class TextTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, int maxLength) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
    }

    public static TextTokenizer load(Path tokenizerJson, int maxLength) throws IOException {
        if (!Files.isRegularFile(tokenizerJson)) throw new dev.leap4j.api.ModelFormatException("missing tokenizer file " + tokenizerJson);
        if (maxLength < 2) throw new UsageException("max length must be >= 2, got " + maxLength);
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(true)
                    .optTruncation(true)
                    .optMaxLength(maxLength)
                    .optPadding(false)
                    .build();
            return new TextTokenizer(t, maxLength);
        } catch (RuntimeException e) {
            // a file that the tokenizer library cannot read is a model file that cannot be used (exit 4), not a caller's mistake
            throw new dev.leap4j.api.ModelFormatException(tokenizerJson + ": not a usable tokenizer.json: " + e.getMessage());
        }
    }

    public int maxLength() {
        return maxLength;
    }

    public TokenizedText encode(String text) {
        if (text == null) throw new IllegalArgumentException("text must not be null");
        Encoding e = tokenizer.encode(text);
        return new TokenizedText(toInts(e.getIds()), toInts(e.getTypeIds()), e.exceedMaxLength());
    }

    public List<TokenizedText> encodeAll(List<String> texts) {
        List<TokenizedText> out = new ArrayList<>(texts.size());
        for (String t : texts) out.add(encode(t));
        return out;
    }

    /** Ids of two probe texts, condensed: equal for tokenizers that split and number text alike (a training teacher and student must). */
    public String vocabularyFingerprint() {
        return String.valueOf(tokenizer.encode("the quick brown fox 0123 [UNK] ü 漢字").getIds().length) + ":"
                + java.util.Arrays.hashCode(tokenizer.encode("the quick brown fox jumps over the lazy dog, 42 ü 漢字").getIds());
    }

    private static int[] toInts(long[] a) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) r[i] = Math.toIntExact(a[i]);
        return r;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
