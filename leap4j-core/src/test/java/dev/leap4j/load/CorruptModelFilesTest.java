package dev.leap4j.load;

import dev.leap4j.model.BertWeights;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.Pooling;
import dev.leap4j.api.ModelFormatException;

import dev.leap4j.api.ExitPolicy;
import dev.leap4j.exit.ExitCalibration;
import dev.leap4j.tokenize.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bytes flipped at random in every file a model folder holds: loading either works (the change was harmless) or
 * stops with a {@link ModelFormatException} that names a file of the folder; never another exception, a hang or an
 * allocation sized by a corrupt count. Replay a failure with the printed seed ({@code -Dleap4j.test.seed=N}).
 */
class CorruptModelFilesTest {
    static final List<String> FILES = List.of("config.json", "model.safetensors", "tokenizer.json", "modules.json", "1_Pooling/config.json",
            "sentence_bert_config.json", "config_sentence_transformers.json", ExitCalibration.FILE);
    static final int TRIALS = 160;

    static Path pristine(Path root) throws Exception {
        Path dir = root.resolve("pristine");
        BertConfig c = new BertConfig(30522, 16, 2, 2, 24, 64, 2, 1e-12f, Pooling.MEAN, true, 64);
        Path tok = root.resolve("tokenizer-source.json");
        try (InputStream in = CorruptModelFilesTest.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
            Files.copy(in, tok);
        }
        ModelFolder.write(dir, c, BertWeights.random(c, 1), tok, new Prompts(Map.of("query", "query: ", "passage", "passage: "), null));
        new ExitCalibration(List.of(new ExitCalibration.Entry(ExitCalibration.Task.STS, ExitCalibration.Verdict.RECOMMENDED, new ExitPolicy(0.9, 1, 1),
                "spearman", 0.8, 0.79, 0.01, 1.5, "test", "2026-12-07"))).write(dir);
        for (String f : FILES) assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        return dir;
    }

    /** Everything a model load reads, as every entry point reads it. */
    static void load(Path dir) throws Exception {
        ModelFolder m = ModelFolder.load(dir);
        ExitCalibration.read(dir);
        try (TextTokenizer t = TextTokenizer.load(m.tokenizerJson(), m.config().maxLength())) {
            t.encode("a short probe");
        }
    }

    @Test
    void aFlippedByteInAnyModelFileLoadsOrNamesAFileOfTheFolder(@TempDir Path root) throws Exception {
        long seed = dev.leap4j.TestSeed.next();
        SplittableRandom rnd = new SplittableRandom(seed);
        Path pristine = pristine(root);
        load(pristine);
        int refused = 0;
        for (int trial = 0; trial < TRIALS; trial++) {
            Path dir = root.resolve("t" + trial);
            for (String f : FILES) {
                Files.createDirectories(dir.resolve(f).getParent());
                Files.copy(pristine.resolve(f), dir.resolve(f));
            }
            String file = FILES.get(rnd.nextInt(FILES.size()));
            byte[] bytes = Files.readAllBytes(dir.resolve(file));
            // in the safetensors file only the length and the JSON header describe structure; flipped data bytes are just other floats
            int span = file.equals("model.safetensors") ? 8 + (int) ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong() : bytes.length;
            StringBuilder what = new StringBuilder();
            for (int k = 0, n = 1 + rnd.nextInt(3); k < n; k++) {
                int pos = rnd.nextInt(span);
                byte b = (byte) rnd.nextInt(256);
                what.append(String.format(" [%d] %02x->%02x", pos, bytes[pos], b));
                bytes[pos] = b;
            }
            Files.write(dir.resolve(file), bytes);
            try {
                load(dir);
            } catch (ModelFormatException e) {
                refused++;
                assertTrue(e.getMessage().contains(dir.toString()), "seed " + seed + ", " + file + what + ": the message names no file of the folder: " + e.getMessage());
            } catch (Throwable t) {
                fail("seed " + seed + ", trial " + trial + ", " + file + what + ": " + t, t);
            }
        }
        assertTrue(refused > TRIALS / 10, "seed " + seed + ": only " + refused + " of " + TRIALS + " corruptions were caught; the test exercises too little");
    }

    @Test
    void aFlippedByteInAnOnnxFileImportsOrIsAModelFileErrorNamingIt() throws Exception {
        long seed = dev.leap4j.TestSeed.next();
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] pristine = BuiltinModel.ALL_MINILM_L6_V2.onnxBytes();
        int trials = 24;
        for (int trial = 0; trial < trials; trial++) {
            byte[] bytes = pristine.clone();
            StringBuilder what = new StringBuilder();
            for (int k = 0, n = 1 + rnd.nextInt(3); k < n; k++) {
                // mostly in the first megabyte, where the graph's structure and the tensors' headers are
                int pos = rnd.nextInt(4) == 0 ? rnd.nextInt(bytes.length) : rnd.nextInt(1 << 20);
                byte b = (byte) rnd.nextInt(256);
                what.append(String.format(" [%d] %02x->%02x", pos, bytes[pos], b));
                bytes[pos] = b;
            }
            try {
                OnnxImport.read(bytes, "flipped.onnx");
            } catch (ModelFormatException e) {
                assertTrue(e.getMessage().contains("flipped.onnx"), "seed " + seed + what + ": " + e.getMessage());
            } catch (Throwable t) {
                fail("seed " + seed + ", trial " + trial + what + ": " + t, t);
            }
        }
        // most flips land in weight data and import fine; a cut file must always be caught
        ModelFormatException cut = org.junit.jupiter.api.Assertions.assertThrows(ModelFormatException.class,
                () -> OnnxImport.read(java.util.Arrays.copyOf(pristine, pristine.length / 2), "half.onnx"));
        assertTrue(cut.getMessage().contains("half.onnx"), cut.getMessage());
    }
}
