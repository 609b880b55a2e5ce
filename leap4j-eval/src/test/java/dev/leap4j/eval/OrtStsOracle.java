package dev.leap4j.eval;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.leap4j.model.BertConfig;
import dev.leap4j.load.BuiltinModel;
import dev.leap4j.load.ModelFolder;
import dev.leap4j.model.Pooling;
import dev.leap4j.tokenize.TextTokenizer;
import dev.leap4j.tokenize.TokenizedText;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The reference value for STS-B: the built-in model's original ONNX file run by ONNX Runtime on the same
 * tokens, with the same pooling and normalisation, scored with the same Spearman code. leap4j's full-depth
 * Spearman should match it to within float rounding. Run through bench/ort-sts.sh (not a unit test: it
 * embeds thousands of sentences).
 *
 * <p>Arguments: MODEL STS_FILE CACHE_DIR THREADS.
 */
public final class OrtStsOracle {
    public static void main(String[] args) throws Exception {
        if (args.length != 4) throw new IllegalArgumentException("usage: OrtStsOracle MODEL STS_FILE CACHE_DIR THREADS");
        BuiltinModel model = BuiltinModel.byName(args[0]);
        if (model == null) throw new IllegalArgumentException("not a built-in model: " + args[0] + " (" + BuiltinModel.names() + ")");
        StsData data = StsData.read(Path.of(args[1]));
        int threads = Integer.parseInt(args[3]);
        ModelFolder folder = ModelFolder.load(model.folder(Path.of(args[2])));
        BertConfig cfg = folder.config();
        long t0 = System.nanoTime();
        List<String> sentences = data.sentences();
        float[][] emb = new float[sentences.size()][];
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (TextTokenizer tok = TextTokenizer.load(folder.tokenizerJson(), cfg.maxLength());
             OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            so.setIntraOpNumThreads(threads);
            try (OrtSession session = env.createSession(model.onnxBytes(), so)) {
                for (int i = 0; i < sentences.size(); i++) emb[i] = embed(env, session, tok.encode(sentences.get(i)), cfg.pooling());
            }
        }
        int n = data.pairs().size();
        double[] sims = new double[n];
        for (int i = 0; i < n; i++) sims[i] = StsEvaluation.dot(emb[i], emb[n + i]);
        System.out.printf(Locale.ROOT, "{\"model\": \"%s\", \"file\": \"%s\", \"pairs\": %d, \"ort_spearman\": %.6f, \"ort_pearson\": %.6f, \"seconds\": %.1f}%n",
                model.id, args[1], n, Metrics.spearman(sims, data.gold()), Metrics.pearson(sims, data.gold()), (System.nanoTime() - t0) / 1e9);
    }

    static float[] embed(OrtEnvironment env, OrtSession session, TokenizedText t, Pooling pooling) throws OrtException {
        int T = t.length();
        long[][] ids = new long[1][T], mask = new long[1][T], types = new long[1][T];
        for (int j = 0; j < T; j++) {
            ids[0][j] = t.ids()[j];
            mask[0][j] = 1;
            types[0][j] = t.typeIds()[j];
        }
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
            in.put("input_ids", OnnxTensor.createTensor(env, ids));
            in.put("attention_mask", OnnxTensor.createTensor(env, mask));
            if (session.getInputNames().contains("token_type_ids")) in.put("token_type_ids", OnnxTensor.createTensor(env, types));
            try (OrtSession.Result r = session.run(in)) {
                float[][] h = ((float[][][]) r.get(0).getValue())[0]; // (T, C)
                int C = h[0].length;
                float[] v = new float[C];
                if (pooling == Pooling.CLS) {
                    System.arraycopy(h[0], 0, v, 0, C);
                } else {
                    double[] acc = new double[C];
                    for (float[] row : h) for (int c = 0; c < C; c++) acc[c] += row[c];
                    for (int c = 0; c < C; c++) v[c] = (float) (acc[c] / T);
                }
                dev.leap4j.exit.EarlyExitEncoder.normalize(v);
                return v;
            }
        } finally {
            for (OnnxTensor x : in.values()) x.close();
        }
    }
}
