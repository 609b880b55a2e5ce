package dev.leap4j.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leap4j.api.ModelFormatException;
import dev.leap4j.api.UsageException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Hugging Face tokenizer.json semantics: special tokens added, right truncation to the model's max length (reported
 * per input), no padding (the engine packs rows without padding, so a pad token would only waste work).
 *
 * <p>BERT-family files (WordPiece with BERT normalization, every built-in model) run in Java
 * ({@link WordPieceTokenizer}): no native library, the same ids as the reference. Any other pipeline goes to DJL's
 * binding of the reference Rust implementation, an optional dependency (ai.djl.huggingface:tokenizers) that the
 * CLI and server carry and a library user adds only for such models.
 */
public final class TextTokenizer implements AutoCloseable {
    /** One way of turning text into ids under the rules above. */
    interface Encoder extends AutoCloseable {
        TokenizedText encode(String text);

        @Override
        void close();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Encoder encoder;
    private final int maxLength;

    private TextTokenizer(Encoder encoder, int maxLength) {
        this.encoder = encoder;
        this.maxLength = maxLength;
    }

    public static TextTokenizer load(Path tokenizerJson, int maxLength) throws IOException {
        if (!Files.isRegularFile(tokenizerJson)) throw new ModelFormatException("missing tokenizer file " + tokenizerJson);
        if (maxLength < 2) throw new UsageException("max length must be >= 2, got " + maxLength);
        JsonNode root;
        try {
            root = JSON.readTree(tokenizerJson.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new ModelFormatException(tokenizerJson + ": not a usable tokenizer.json: " + e.getOriginalMessage());
        }
        if (root == null) throw new ModelFormatException(tokenizerJson + ": not a usable tokenizer.json: the file is empty");
        try {
            return new TextTokenizer(TokenizerJson.read(root, tokenizerJson, maxLength), maxLength);
        } catch (TokenizerJson.Unsupported u) {
            if (!nativeLibraryPresent()) {
                throw new ModelFormatException(tokenizerJson + ": " + u.getMessage() + " is not one leap4j tokenizes itself (WordPiece with BERT "
                        + "normalization); add ai.djl.huggingface:tokenizers to the classpath to read it through the reference library");
            }
            return new TextTokenizer(NativeTokenizer.load(tokenizerJson, maxLength), maxLength);
        }
    }

    private static boolean nativeLibraryPresent() {
        try {
            Class.forName(NativeTokenizer.LIBRARY_CLASS, false, TextTokenizer.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    public int maxLength() {
        return maxLength;
    }

    public TokenizedText encode(String text) {
        if (text == null) throw new IllegalArgumentException("text must not be null");
        return encoder.encode(text);
    }

    public List<TokenizedText> encodeAll(List<String> texts) {
        List<TokenizedText> out = new ArrayList<>(texts.size());
        for (String t : texts) out.add(encode(t));
        return out;
    }

    /** Ids of two probe texts, condensed: equal for tokenizers that split and number text alike (a training teacher and student must). */
    public String vocabularyFingerprint() {
        return encoder.encode("the quick brown fox 0123 [UNK] ü 漢字").length() + ":"
                + java.util.Arrays.hashCode(encoder.encode("the quick brown fox jumps over the lazy dog, 42 ü 漢字").ids());
    }

    @Override
    public void close() {
        encoder.close();
    }
}
