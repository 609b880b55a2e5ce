package dev.leap4j.tokenize;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.leap4j.api.ModelFormatException;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A tokenizer.json whose pipeline {@link WordPieceTokenizer} does not run, through DJL's binding of Hugging Face's
 * Rust implementation. DJL is an optional dependency: this class is loaded only when such a file is, and the
 * caller checks first that DJL is on the classpath.
 */
final class NativeTokenizer implements TextTokenizer.Encoder {
    static final String LIBRARY_CLASS = "ai.djl.huggingface.tokenizers.HuggingFaceTokenizer";

    private final HuggingFaceTokenizer tokenizer;

    private NativeTokenizer(HuggingFaceTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    static NativeTokenizer load(Path tokenizerJson, int maxLength) throws IOException {
        try {
            return new NativeTokenizer(HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(true)
                    .optTruncation(true)
                    .optMaxLength(maxLength)
                    .optPadding(false)
                    .build());
        } catch (RuntimeException e) {
            // a file that the tokenizer library cannot read is a model file that cannot be used (exit 4), not a caller's mistake
            throw new ModelFormatException(tokenizerJson + ": not a usable tokenizer.json: " + e.getMessage());
        }
    }

    @Override
    public TokenizedText encode(String text) {
        Encoding e = tokenizer.encode(text);
        return new TokenizedText(toInts(e.getIds()), toInts(e.getTypeIds()), e.exceedMaxLength());
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
