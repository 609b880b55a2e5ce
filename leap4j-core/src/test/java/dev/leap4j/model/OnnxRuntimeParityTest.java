package dev.leap4j.model;

import dev.leap4j.load.BuiltinModel;
import dev.leap4j.load.ModelFolder;
import dev.leap4j.model.PackedBatch;
import dev.leap4j.model.EncoderStack;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.tensor.Parallel;
import dev.leap4j.tokenize.TokenizedText;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parity with ONNX Runtime running the original ONNX file of each built-in model, over 200+ varied texts
 * (accents, CJK, emoji, empty, whitespace-only, longer than the model's max length): final embeddings to
 * 1e-4 / cosine 0.99999, every layer's pooled state for every text, and every layer's token states for a subset.
 */
class OnnxRuntimeParityTest {
    static final Path CACHE = Path.of("target/model-cache");
    static List<String> texts;
    static Parallel pool;

    @BeforeAll
    static void readTexts() throws Exception {
        texts = Files.readAllLines(Path.of(Objects.requireNonNull(OnnxRuntimeParityTest.class.getResource("/parity-texts.txt")).toURI()), StandardCharsets.UTF_8);
        pool = new Parallel(2);
    }

    @AfterAll
    static void closePool() {
        pool.close();
    }

    @ParameterizedTest
    @EnumSource(BuiltinModel.class)
    void matchesOnnxRuntimeAtEveryLayer(BuiltinModel builtin) throws Exception {
        assertTrue(texts.size() >= 200, "parity set has " + texts.size() + " texts");
        ModelFolder folder = ModelFolder.load(builtin.folder(CACHE));
        BertConfig c = folder.config();
        int L = c.numLayers(), C = c.hidden();
        try (EarlyExitEncoder enc = new EarlyExitEncoder(folder, 2);
             OrtOracle ort = new OrtOracle(builtin.onnxBytes(), L, true, 2)) {
            List<TokenizedText> tok = enc.tokenizer().encodeAll(texts);
            assertTrue(tok.stream().anyMatch(TokenizedText::truncated), "the set must include texts longer than the max length");
            assertTrue(tok.stream().anyMatch(t -> t.length() == 2), "the set must include empty texts");
            List<Embedding> ours = new ArrayList<>();
            List<float[][]> traces = new ArrayList<>();
            for (int i = 0; i < tok.size(); i += 16) {
                List<TokenizedText> batch = tok.subList(i, Math.min(tok.size(), i + 16));
                ours.addAll(enc.embedTokens(batch, ExitPolicy.fullDepth()));
                traces.addAll(List.of(enc.trace(batch)));
            }
            double worstFinal = 0, worstCos = 1, worstLayerRel = 0;
            for (int i = 0; i < tok.size(); i++) {
                TokenizedText t = tok.get(i);
                float[][][] hidden = ort.run(t.ids());
                float[] ref = new float[C];
                for (int l = 0; l < L; l++) {
                    // every layer's pooled state, relative to that layer's scale
                    float[] pooledRef = pool(c.pooling(), hidden[l], C);
                    float[] pooled = traces.get(i)[l];
                    worstLayerRel = Math.max(worstLayerRel, maxAbsDiff(pooled, pooledRef) / Math.max(1.0, maxAbs(pooledRef)));
                    if (l == L - 1) ref = pooledRef;
                }
                EarlyExitEncoder.normalize(ref);
                float[] v = ours.get(i).vector();
                assertEquals(L, ours.get(i).exitLayer());
                worstFinal = Math.max(worstFinal, maxAbsDiff(v, ref));
                worstCos = Math.min(worstCos, EarlyExitEncoder.cosine(v, 0, ref, 0, C));
                if (i % 15 == 0) worstLayerRel = Math.max(worstLayerRel, tokenStatesDiff(folder, t, hidden));
            }
            String summary = builtin.id + ": final max|diff| " + worstFinal + ", min cos " + worstCos + ", worst per-layer rel diff " + worstLayerRel;
            System.out.println(summary);
            assertTrue(worstFinal <= 1e-4, summary);
            assertTrue(worstCos >= 0.99999, summary);
            assertTrue(worstLayerRel <= 1e-4, summary);
        }
    }

    /** Runs the stack on one row and compares every token's state after every layer with ONNX Runtime's. */
    private static double tokenStatesDiff(ModelFolder f, TokenizedText t, float[][][] hidden) {
        BertConfig c = f.config();
        int C = c.hidden(), n = t.length();
        EncoderStack.Buffers buf = EncoderStack.Buffers.inference(new float[n * C], LayerBuffers.forInference(n, c),
                BertAttention.scratch(c, pool.threads(), n));
        double[] worst = {0};
        EncoderStack.run(f.weights(), pool, PackedBatch.of(List.of(t)), buf, c.numLayers(), (l, x, batch) -> {
            double scale = 1;
            double diff = 0;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < C; k++) {
                    scale = Math.max(scale, Math.abs(hidden[l - 1][i][k]));
                    diff = Math.max(diff, Math.abs(x[i * C + k] - hidden[l - 1][i][k]));
                }
            }
            worst[0] = Math.max(worst[0], diff / scale);
            return true;
        });
        return worst[0];
    }

    static float[] pool(Pooling p, float[][] h, int C) {
        float[] out = new float[C];
        if (p == Pooling.CLS) return h[0].clone();
        for (float[] row : h) for (int k = 0; k < C; k++) out[k] += row[k];
        for (int k = 0; k < C; k++) out[k] /= h.length;
        return out;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }
}
