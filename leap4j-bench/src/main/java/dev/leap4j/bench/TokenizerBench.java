package dev.leap4j.bench;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.leap4j.tokenize.TextTokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Arrays;
import java.util.Locale;

/**
 * Microseconds per text for the engine's Java tokenizer and for the reference (Hugging Face's Rust tokenizers through
 * DJL) on the same texts and tokenizer.json, one thread, passes interleaved (Java, reference, Java, ...) so that
 * drift hits both; the median pass of each, and whether every text got the same ids from both.
 * usage: TokenizerBench TOKENIZER_JSON TEXTS_FILE MAX_LENGTH PASSES
 */
public final class TokenizerBench {
    private TokenizerBench() {
    }

    public static void main(String[] args) throws Exception {
        Path json = Path.of(args[0]);
        List<String> texts = Files.readAllLines(Path.of(args[1])).stream().filter(s -> !s.isBlank()).toList();
        int maxLength = Integer.parseInt(args[2]), passes = Integer.parseInt(args[3]);
        try (TextTokenizer mine = TextTokenizer.load(json, maxLength);
             HuggingFaceTokenizer ref = HuggingFaceTokenizer.builder().optTokenizerPath(json).optAddSpecialTokens(true)
                     .optTruncation(true).optMaxLength(maxLength).optPadding(false).build()) {
            long tokens = 0, differ = 0;
            for (String t : texts) {
                int[] a = mine.encode(t).ids();
                long[] b = ref.encode(t).getIds();
                tokens += a.length;
                if (!Arrays.equals(Arrays.stream(a).asLongStream().toArray(), b)) differ++;
            }
            double[] javaUs = new double[passes], refUs = new double[passes];
            long sink = 0;
            for (int p = -3; p < passes; p++) { // three passes warm both up (the JIT compiles the Java path in the first)
                long t0 = System.nanoTime();
                for (String t : texts) sink += mine.encode(t).length();
                long t1 = System.nanoTime();
                for (String t : texts) sink += ref.encode(t).getIds().length;
                long t2 = System.nanoTime();
                if (p >= 0) {
                    javaUs[p] = (t1 - t0) / 1e3 / texts.size();
                    refUs[p] = (t2 - t1) / 1e3 / texts.size();
                }
            }
            double j = PerInputTime.median(javaUs), r = PerInputTime.median(refUs);
            System.out.printf(Locale.ROOT, "%s: %d texts, %.1f tokens each (max length %d), %d with different ids%n", Path.of(args[1]).getFileName(),
                    texts.size(), (double) tokens / texts.size(), maxLength, differ);
            System.out.printf(Locale.ROOT, "java      %8.2f us/text (spread %.0f%%)%n", j, 100 * PerInputTime.spread(javaUs));
            System.out.printf(Locale.ROOT, "reference %8.2f us/text (spread %.0f%%)%n", r, 100 * PerInputTime.spread(refUs));
            System.out.printf(Locale.ROOT, "reference / java: %.2fx (checksum %d)%n", r / j, sink);
        }
    }
}
