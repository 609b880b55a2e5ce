package dev.leap4j.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import dev.leap4j.tensor.PackedMatrix;

/**
 * A BERT encoder's parameters in the engine's layout. Linear weights are stored transposed, (in, out), so the
 * matmul kernel streams contiguous output columns; query, key and value are fused into one (C, 3C) matrix.
 * {@link #toHuggingFace()} and {@link #fromHuggingFace} translate to and from checkpoint names and layouts.
 * Inference never writes these arrays; training updates them in place through {@link #parameters()}.
 */
public final class BertWeights {
    public final BertConfig config;
    public final float[] wordEmbeddings;      // (V, C)
    public final float[] positionEmbeddings;  // (P, C)
    public final float[] tokenTypeEmbeddings; // (Tt, C)
    public final float[] embLnWeight;         // (C)
    public final float[] embLnBias;           // (C)
    public final Layer[] layers;

    /** One encoder layer (post-LN BERT). */
    public static final class Layer {
        public final float[] qkvWeight;      // (C, 3C)
        public final float[] qkvBias;        // (3C)
        public final float[] attnOutWeight;  // (C, C)
        public final float[] attnOutBias;    // (C)
        public final float[] attnLnWeight;   // (C)
        public final float[] attnLnBias;     // (C)
        public final float[] interWeight;    // (C, I)
        public final float[] interBias;      // (I)
        public final float[] outWeight;      // (I, C)
        public final float[] outBias;        // (C)
        public final float[] outLnWeight;    // (C)
        public final float[] outLnBias;      // (C)

        private final int C, I;
        // Column-panel copies of the four matrices for the forward kernel, rebuilt when the owner's version moves.
        private PackedMatrix qkvPacked, attnOutPacked, interPacked, outPacked;
        private int packedVersion = -1;
        private BertWeights owner;

        Layer(int C, int I) {
            this.C = C;
            this.I = I;
            qkvWeight = new float[C * 3 * C];
            qkvBias = new float[3 * C];
            attnOutWeight = new float[C * C];
            attnOutBias = new float[C];
            attnLnWeight = new float[C];
            attnLnBias = new float[C];
            interWeight = new float[C * I];
            interBias = new float[I];
            outWeight = new float[I * C];
            outBias = new float[C];
            outLnWeight = new float[C];
            outLnBias = new float[C];
        }

        /** Every array of the layer, in a fixed order. */
        float[][] arrays() {
            return new float[][]{qkvWeight, qkvBias, attnOutWeight, attnOutBias, attnLnWeight, attnLnBias,
                    interWeight, interBias, outWeight, outBias, outLnWeight, outLnBias};
        }

        /** The packed forms of this layer's matrices, current with the weights (repacked after {@link #markUpdated()}). */
        public synchronized Layer packed() {
            if (packedVersion != owner.version) {
                qkvPacked = PackedMatrix.pack(qkvWeight, C, 3 * C);
                attnOutPacked = PackedMatrix.pack(attnOutWeight, C, C);
                interPacked = PackedMatrix.pack(interWeight, C, I);
                outPacked = PackedMatrix.pack(outWeight, I, C);
                packedVersion = owner.version;
            }
            return this;
        }

        public PackedMatrix qkvPacked() {
            return qkvPacked;
        }

        public PackedMatrix attnOutPacked() {
            return attnOutPacked;
        }

        public PackedMatrix interPacked() {
            return interPacked;
        }

        public PackedMatrix outPacked() {
            return outPacked;
        }
    }

    private volatile int version;

    /** Must be called after weights are modified in place (an optimizer step), so the forward repacks them. */
    public void markUpdated() {
        version++;
    }

    /** A trainable array with the checkpoint name it is exported under (fused/transposed ones get a suffix). */
    public record Param(String name, float[] data) {}

    public BertWeights(BertConfig config) {
        this.config = config;
        int C = config.hidden();
        wordEmbeddings = new float[config.vocabSize() * C];
        positionEmbeddings = new float[config.maxPositions() * C];
        tokenTypeEmbeddings = new float[config.typeVocabSize() * C];
        embLnWeight = new float[C];
        embLnBias = new float[C];
        layers = new Layer[config.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = new Layer(C, config.intermediate());
            layers[l].owner = this;
        }
    }

    /** Every trainable array, in a fixed order (the optimizer's and the checkpoint's). */
    public List<Param> parameters() {
        List<Param> ps = new ArrayList<>();
        ps.add(new Param("embeddings.word_embeddings.weight", wordEmbeddings));
        ps.add(new Param("embeddings.position_embeddings.weight", positionEmbeddings));
        ps.add(new Param("embeddings.token_type_embeddings.weight", tokenTypeEmbeddings));
        ps.add(new Param("embeddings.LayerNorm.weight", embLnWeight));
        ps.add(new Param("embeddings.LayerNorm.bias", embLnBias));
        for (int l = 0; l < layers.length; l++) {
            Layer y = layers[l];
            String p = "encoder.layer." + l + ".";
            ps.add(new Param(p + "attention.self.qkv.weight(T)", y.qkvWeight));
            ps.add(new Param(p + "attention.self.qkv.bias", y.qkvBias));
            ps.add(new Param(p + "attention.output.dense.weight(T)", y.attnOutWeight));
            ps.add(new Param(p + "attention.output.dense.bias", y.attnOutBias));
            ps.add(new Param(p + "attention.output.LayerNorm.weight", y.attnLnWeight));
            ps.add(new Param(p + "attention.output.LayerNorm.bias", y.attnLnBias));
            ps.add(new Param(p + "intermediate.dense.weight(T)", y.interWeight));
            ps.add(new Param(p + "intermediate.dense.bias", y.interBias));
            ps.add(new Param(p + "output.dense.weight(T)", y.outWeight));
            ps.add(new Param(p + "output.dense.bias", y.outBias));
            ps.add(new Param(p + "output.LayerNorm.weight", y.outLnWeight));
            ps.add(new Param(p + "output.LayerNorm.bias", y.outLnBias));
        }
        return ps;
    }

    public long parameterCount() {
        long n = 0;
        for (Param p : parameters()) n += p.data().length;
        return n;
    }

    /** Checkpoint tensors with Hugging Face names and (out, in) linear layouts. */
    public List<Tensor> toHuggingFace() {
        int C = config.hidden(), I = config.intermediate();
        List<Tensor> ts = new ArrayList<>();
        ts.add(new Tensor("embeddings.word_embeddings.weight", new int[]{config.vocabSize(), C}, wordEmbeddings.clone()));
        ts.add(new Tensor("embeddings.position_embeddings.weight", new int[]{config.maxPositions(), C}, positionEmbeddings.clone()));
        ts.add(new Tensor("embeddings.token_type_embeddings.weight", new int[]{config.typeVocabSize(), C}, tokenTypeEmbeddings.clone()));
        ts.add(new Tensor("embeddings.LayerNorm.weight", new int[]{C}, embLnWeight.clone()));
        ts.add(new Tensor("embeddings.LayerNorm.bias", new int[]{C}, embLnBias.clone()));
        String[] qkv = {"query", "key", "value"};
        for (int l = 0; l < layers.length; l++) {
            Layer y = layers[l];
            String p = "encoder.layer." + l + ".";
            for (int j = 0; j < 3; j++) {
                float[] w = new float[C * C];
                for (int o = 0; o < C; o++) for (int i = 0; i < C; i++) w[o * C + i] = y.qkvWeight[i * 3 * C + j * C + o];
                float[] b = new float[C];
                System.arraycopy(y.qkvBias, j * C, b, 0, C);
                ts.add(new Tensor(p + "attention.self." + qkv[j] + ".weight", new int[]{C, C}, w));
                ts.add(new Tensor(p + "attention.self." + qkv[j] + ".bias", new int[]{C}, b));
            }
            ts.add(new Tensor(p + "attention.output.dense.weight", new int[]{C, C}, transpose(y.attnOutWeight, C, C)));
            ts.add(new Tensor(p + "attention.output.dense.bias", new int[]{C}, y.attnOutBias.clone()));
            ts.add(new Tensor(p + "attention.output.LayerNorm.weight", new int[]{C}, y.attnLnWeight.clone()));
            ts.add(new Tensor(p + "attention.output.LayerNorm.bias", new int[]{C}, y.attnLnBias.clone()));
            ts.add(new Tensor(p + "intermediate.dense.weight", new int[]{I, C}, transpose(y.interWeight, C, I)));
            ts.add(new Tensor(p + "intermediate.dense.bias", new int[]{I}, y.interBias.clone()));
            ts.add(new Tensor(p + "output.dense.weight", new int[]{C, I}, transpose(y.outWeight, I, C)));
            ts.add(new Tensor(p + "output.dense.bias", new int[]{C}, y.outBias.clone()));
            ts.add(new Tensor(p + "output.LayerNorm.weight", new int[]{C}, y.outLnWeight.clone()));
            ts.add(new Tensor(p + "output.LayerNorm.bias", new int[]{C}, y.outLnBias.clone()));
        }
        return ts;
    }

    /**
     * Builds weights from checkpoint tensors (Hugging Face names; an optional "bert." prefix is accepted;
     * pooler and position-id buffers are ignored). Every missing or mis-shaped tensor is named in the error.
     */
    public static BertWeights fromHuggingFace(BertConfig config, Map<String, Tensor> tensors, String source) {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Tensor t : tensors.values()) {
            String n = t.name().startsWith("bert.") ? t.name().substring(5) : t.name();
            byName.put(n, t);
        }
        BertWeights w = new BertWeights(config);
        int C = config.hidden(), I = config.intermediate();
        Reader r = new Reader(byName, source);
        r.copy("embeddings.word_embeddings.weight", w.wordEmbeddings, config.vocabSize(), C);
        r.copy("embeddings.position_embeddings.weight", w.positionEmbeddings, config.maxPositions(), C);
        r.copy("embeddings.token_type_embeddings.weight", w.tokenTypeEmbeddings, config.typeVocabSize(), C);
        r.copy("embeddings.LayerNorm.weight", w.embLnWeight, C);
        r.copy("embeddings.LayerNorm.bias", w.embLnBias, C);
        String[] qkv = {"query", "key", "value"};
        for (int l = 0; l < config.numLayers(); l++) {
            Layer y = w.layers[l];
            String p = "encoder.layer." + l + ".";
            for (int j = 0; j < 3; j++) {
                float[] wt = r.get(p + "attention.self." + qkv[j] + ".weight", C, C);
                if (wt != null) for (int o = 0; o < C; o++) for (int i = 0; i < C; i++) y.qkvWeight[i * 3 * C + j * C + o] = wt[o * C + i];
                float[] b = r.get(p + "attention.self." + qkv[j] + ".bias", C);
                if (b != null) System.arraycopy(b, 0, y.qkvBias, j * C, C);
            }
            r.copyTransposed(p + "attention.output.dense.weight", y.attnOutWeight, C, C);
            r.copy(p + "attention.output.dense.bias", y.attnOutBias, C);
            r.copy(p + "attention.output.LayerNorm.weight", y.attnLnWeight, C);
            r.copy(p + "attention.output.LayerNorm.bias", y.attnLnBias, C);
            r.copyTransposed(p + "intermediate.dense.weight", y.interWeight, I, C);
            r.copy(p + "intermediate.dense.bias", y.interBias, I);
            r.copyTransposed(p + "output.dense.weight", y.outWeight, C, I);
            r.copy(p + "output.dense.bias", y.outBias, C);
            r.copy(p + "output.LayerNorm.weight", y.outLnWeight, C);
            r.copy(p + "output.LayerNorm.bias", y.outLnBias, C);
        }
        r.finish();
        return w;
    }

    /**
     * A model whose layer i (0-based) is a copy of this model's layer sources[i] (1-based), with the same
     * embeddings; a source may repeat (each copy is an independent parameter). Spread sub-stacks keep far more of
     * a sentence encoder's quality than a prefix of the same depth: e5-small-v2's layers 1,4,7,10,11,12 score 0.847
     * STS-B dev Spearman untrained, its first six 0.630 (docs/RESULTS.md), so they are a better start for an exit path.
     */
    public BertWeights relayered(int[] sources) {
        if (sources.length == 0) throw new IllegalArgumentException("a model needs at least one layer");
        for (int src : sources) {
            if (src < 1 || src > layers.length) throw new IllegalArgumentException("layer " + src + " does not exist: the model has layers 1.." + layers.length);
        }
        BertWeights w = new BertWeights(config.withLayers(sources.length));
        System.arraycopy(wordEmbeddings, 0, w.wordEmbeddings, 0, wordEmbeddings.length);
        System.arraycopy(positionEmbeddings, 0, w.positionEmbeddings, 0, positionEmbeddings.length);
        System.arraycopy(tokenTypeEmbeddings, 0, w.tokenTypeEmbeddings, 0, tokenTypeEmbeddings.length);
        System.arraycopy(embLnWeight, 0, w.embLnWeight, 0, embLnWeight.length);
        System.arraycopy(embLnBias, 0, w.embLnBias, 0, embLnBias.length);
        for (int i = 0; i < sources.length; i++) {
            Layer from = layers[sources[i] - 1], to = w.layers[i];
            float[][] a = from.arrays(), b = to.arrays();
            for (int k = 0; k < a.length; k++) System.arraycopy(a[k], 0, b[k], 0, a[k].length);
        }
        return w;
    }

    /** Random weights in BERT's initialisation (normal, std 0.02; LayerNorm 1/0), for tests and gradient checks. */
    public static BertWeights random(BertConfig config, long seed) {
        BertWeights w = new BertWeights(config);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (Param p : w.parameters()) {
            boolean ln = p.name().contains("LayerNorm");
            boolean bias = p.name().endsWith("bias");
            for (int i = 0; i < p.data().length; i++) {
                p.data()[i] = ln && !bias ? 1f + (float) (0.1 * gaussian(rnd)) : (float) (0.02 * gaussian(rnd) * (bias ? 1 : 5));
            }
        }
        return w;
    }

    private static double gaussian(SplittableRandom rnd) {
        double u = rnd.nextDouble(), v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }

    /** (R, Cc) -> (Cc, R). */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[rows * cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
        return t;
    }

    /** Collects every problem before failing, so one error message lists all missing or mis-shaped tensors. */
    private static final class Reader {
        final Map<String, Tensor> byName;
        final String source;
        final List<String> problems = new ArrayList<>();

        Reader(Map<String, Tensor> byName, String source) {
            this.byName = byName;
            this.source = source;
        }

        float[] get(String name, int... shape) {
            Tensor t = byName.get(name);
            if (t == null) {
                problems.add("missing tensor " + name);
                return null;
            }
            if (!java.util.Arrays.equals(t.shape(), shape)) {
                problems.add("tensor " + name + " has shape " + t.shapeString() + ", expected " + java.util.Arrays.toString(shape));
                return null;
            }
            return t.data();
        }

        void copy(String name, float[] dst, int... shape) {
            float[] d = get(name, shape);
            if (d != null) System.arraycopy(d, 0, dst, 0, d.length);
        }

        /** Checkpoint (out, in) into engine (in, out). */
        void copyTransposed(String name, float[] dst, int out, int in) {
            float[] d = get(name, out, in);
            if (d != null) System.arraycopy(transpose(d, out, in), 0, dst, 0, d.length);
        }

        void finish() {
            if (!problems.isEmpty()) {
                int shown = Math.min(problems.size(), 8);
                throw new ModelFormatException(source + ": " + String.join("; ", problems.subList(0, shown))
                        + (problems.size() > shown ? " (and " + (problems.size() - shown) + " more)" : ""));
            }
        }
    }
}
