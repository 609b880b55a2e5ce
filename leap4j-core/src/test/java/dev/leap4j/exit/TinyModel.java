package dev.leap4j.exit;

import dev.leap4j.model.PackedBatch;
import dev.leap4j.model.EncoderStack;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.model.BertAttention;
import dev.leap4j.model.BertEmbeddings;
import dev.leap4j.model.BertLayer;
import dev.leap4j.model.Pooling;
import dev.leap4j.model.LayerBuffers;
import dev.leap4j.model.Pooling;
import dev.leap4j.tensor.Parallel;
import dev.leap4j.tokenize.TextTokenizer;
import dev.leap4j.tokenize.TokenizedText;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Tiny random BERT models with the real all-MiniLM vocabulary size, and each input run alone on one thread (the engine's own forward, one row: a check of batching and threading, not an independent oracle). */
final class TinyModel {
    static final int VOCAB = 30522;
    private static Path tokenizerJson;

    private TinyModel() {}

    static BertConfig randomConfig(SplittableRandom rnd) {
        int heads = 2 + rnd.nextInt(3);
        int hidden = heads * (8 + rnd.nextInt(9)); // 16..64
        int inter = 17 + rnd.nextInt(120);         // deliberately not a multiple of the SIMD width
        return new BertConfig(VOCAB, hidden, 4 + rnd.nextInt(3), heads, inter, 64, 2, 1e-12f,
                rnd.nextBoolean() ? Pooling.MEAN : Pooling.CLS, rnd.nextBoolean(), 64);
    }

    /** The real all-MiniLM tokenizer.json, copied out of the model jar (no ONNX import needed). */
    static synchronized Path tokenizerJson() {
        if (tokenizerJson == null) {
            try (InputStream in = TinyModel.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
                if (in == null) throw new IllegalStateException("all-minilm-l6-v2-tokenizer.json is not on the test classpath");
                Path p = Files.createTempFile("leap4j-test-tokenizer", ".json");
                p.toFile().deleteOnExit();
                Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
                tokenizerJson = p;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tokenizerJson;
    }

    static EarlyExitEncoder encoder(BertConfig c, BertWeights w, int threads) {
        try {
            return new EarlyExitEncoder(c, w, TextTokenizer.load(tokenizerJson(), c.maxLength()), threads, "tiny");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TokenizedText randomInput(SplittableRandom rnd, BertConfig c) {
        int len = rnd.nextInt(6) == 0 ? 1 + rnd.nextInt(3) : 1 + rnd.nextInt(rnd.nextInt(8) == 0 ? c.maxPositions() : 40);
        int[] ids = new int[len], types = new int[len];
        for (int i = 0; i < len; i++) {
            ids[i] = rnd.nextInt(c.vocabSize());
            types[i] = rnd.nextInt(5) == 0 ? 1 : 0;
        }
        return new TokenizedText(ids, types, rnd.nextInt(4) == 0);
    }

    static List<TokenizedText> randomInputs(SplittableRandom rnd, BertConfig c, int n) {
        List<TokenizedText> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(randomInput(rnd, c));
        return out;
    }

    /** pooled[l - 1] = the input's pooled, un-normalised state after layer l, computed alone on one thread. */
    static float[][] layersAlone(BertConfig c, BertWeights w, TokenizedText t, boolean trainingBuffers) {
        int n = t.length(), C = c.hidden(), L = c.numLayers();
        float[][] scores = BertAttention.scratch(c, 1, n);
        EncoderStack.Buffers buf;
        if (trainingBuffers) {
            LayerBuffers[] saved = new LayerBuffers[L];
            for (int l = 0; l < L; l++) saved[l] = LayerBuffers.forTraining(n, c);
            buf = new EncoderStack.Buffers(new float[L + 1][n * C], saved, scores);
        } else {
            buf = EncoderStack.Buffers.inference(new float[n * C], LayerBuffers.forInference(n, c), scores);
        }
        float[][] pooled = new float[L][C];
        try (Parallel pool = new Parallel(1)) {
            EncoderStack.run(w, pool, PackedBatch.of(List.of(t)), buf, L, (l, x, batch) -> {
                c.pooling().forward(x, C, 0, n, pooled[l - 1], 0);
                return true;
            });
        }
        return pooled;
    }

    static float[] embeddingAlone(BertConfig c, BertWeights w, TokenizedText t) {
        float[][] layers = layersAlone(c, w, t, false);
        float[] v = layers[c.numLayers() - 1].clone();
        if (c.normalize()) EarlyExitEncoder.normalize(v);
        return v;
    }

    static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }
}
