package dev.leap4j.model;

import dev.leap4j.api.ModelFormatException;
import dev.leap4j.api.WeightFormat;

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
                qkvPacked = pack(qkvWeight, C, 3 * C);
                attnOutPacked = pack(attnOutWeight, C, C);
                interPacked = pack(interWeight, C, I);
                outPacked = pack(outWeight, I, C);
                packedVersion = owner.version;
            }
            return this;
        }

        private PackedMatrix pack(float[] w, int K, int N) {
            return owner.matrixFormat == WeightFormat.INT8 ? PackedMatrix.quantize(w, K, N) : PackedMatrix.pack(w, K, N);
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
    private volatile WeightFormat matrixFormat = WeightFormat.FP32;

    /**
     * The form the forward pass multiplies the four matrices of every layer in; the float arrays themselves are
     * never changed (training and export read them), only the packed copies are rebuilt.
     */
    public void useMatrixFormat(WeightFormat format) {
        if (base != null) {
            base.useMatrixFormat(format);
            return;
        }
        matrixFormat = java.util.Objects.requireNonNull(format, "format");
        markUpdated();
    }

    public WeightFormat matrixFormat() {
        return base != null ? base.matrixFormat() : matrixFormat;
    }

    /** Must be called after weights are modified in place (an optimizer step), so the forward repacks them. */
    public void markUpdated() {
        if (base != null) base.markUpdated();
        else version++;
    }

    /** A trainable array with the checkpoint name it is exported under (fused/transposed ones get a suffix). */
    public record Param(String name, float[] data) {}

    // the model a path view's arrays belong to (null for a model that owns its arrays): its version decides repacking
    private final BertWeights base;

    public BertWeights(BertConfig config) {
        this.base = null;
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

    /**
     * How an engine array is stored in a Hugging Face checkpoint. The engine keeps linear weights transposed, (in, out),
     * and fuses query, key and value into one (C, 3C) matrix and one (3C) bias.
     */
    private enum Layout {
        PLAIN,      // same elements, same order
        TRANSPOSED, // checkpoint (out, in), engine (in, out)
        QKV_WEIGHT, // checkpoint attention.self.{query,key,value}.weight, each (C, C) (out, in); engine (C, 3C)
        QKV_BIAS    // checkpoint attention.self.{query,key,value}.bias, each (C); engine (3C)
    }

    /** A checkpoint shape from the model's hidden size C, intermediate size I and config. */
    @FunctionalInterface
    private interface Shape {
        int[] of(BertConfig c, int C, int I);
    }

    /** One row of the weights table: the name after the prefix, the array, its layout and its checkpoint shape (per part for QKV). */
    private record Entry<T>(String name, java.util.function.Function<T, float[]> array, Layout layout, Shape shape) {
        /** The name the optimizer and checkpoints use: fused or transposed arrays are marked (T). */
        String paramName() {
            return layout == Layout.TRANSPOSED || layout == Layout.QKV_WEIGHT ? name + "(T)" : name;
        }
    }

    private static final String[] QKV = {"query", "key", "value"};

    // The one table that reading, writing and listing the weights all follow, in the optimizer's and checkpoint's order.
    private static final List<Entry<BertWeights>> EMBEDDINGS = List.of(
            new Entry<>("embeddings.word_embeddings.weight", w -> w.wordEmbeddings, Layout.PLAIN, (c, C, I) -> new int[]{c.vocabSize(), C}),
            new Entry<>("embeddings.position_embeddings.weight", w -> w.positionEmbeddings, Layout.PLAIN, (c, C, I) -> new int[]{c.maxPositions(), C}),
            new Entry<>("embeddings.token_type_embeddings.weight", w -> w.tokenTypeEmbeddings, Layout.PLAIN, (c, C, I) -> new int[]{c.typeVocabSize(), C}),
            new Entry<>("embeddings.LayerNorm.weight", w -> w.embLnWeight, Layout.PLAIN, (c, C, I) -> new int[]{C}),
            new Entry<>("embeddings.LayerNorm.bias", w -> w.embLnBias, Layout.PLAIN, (c, C, I) -> new int[]{C}));
    private static final List<Entry<Layer>> LAYER = List.of(
            new Entry<>("attention.self.qkv.weight", y -> y.qkvWeight, Layout.QKV_WEIGHT, (c, C, I) -> new int[]{C, C}),
            new Entry<>("attention.self.qkv.bias", y -> y.qkvBias, Layout.QKV_BIAS, (c, C, I) -> new int[]{C}),
            new Entry<>("attention.output.dense.weight", y -> y.attnOutWeight, Layout.TRANSPOSED, (c, C, I) -> new int[]{C, C}),
            new Entry<>("attention.output.dense.bias", y -> y.attnOutBias, Layout.PLAIN, (c, C, I) -> new int[]{C}),
            new Entry<>("attention.output.LayerNorm.weight", y -> y.attnLnWeight, Layout.PLAIN, (c, C, I) -> new int[]{C}),
            new Entry<>("attention.output.LayerNorm.bias", y -> y.attnLnBias, Layout.PLAIN, (c, C, I) -> new int[]{C}),
            new Entry<>("intermediate.dense.weight", y -> y.interWeight, Layout.TRANSPOSED, (c, C, I) -> new int[]{I, C}),
            new Entry<>("intermediate.dense.bias", y -> y.interBias, Layout.PLAIN, (c, C, I) -> new int[]{I}),
            new Entry<>("output.dense.weight", y -> y.outWeight, Layout.TRANSPOSED, (c, C, I) -> new int[]{C, I}),
            new Entry<>("output.dense.bias", y -> y.outBias, Layout.PLAIN, (c, C, I) -> new int[]{C}),
            new Entry<>("output.LayerNorm.weight", y -> y.outLnWeight, Layout.PLAIN, (c, C, I) -> new int[]{C}),
            new Entry<>("output.LayerNorm.bias", y -> y.outLnBias, Layout.PLAIN, (c, C, I) -> new int[]{C}));

    private static String layerPrefix(int l) {
        return "encoder.layer." + l + ".";
    }

    /** Every trainable array, in a fixed order (the optimizer's and the checkpoint's). */
    public List<Param> parameters() {
        List<Param> ps = new ArrayList<>();
        for (Entry<BertWeights> e : EMBEDDINGS) ps.add(new Param(e.paramName(), e.array().apply(this)));
        for (int l = 0; l < layers.length; l++) {
            for (Entry<Layer> e : LAYER) ps.add(new Param(layerPrefix(l) + e.paramName(), e.array().apply(layers[l])));
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
        for (Entry<BertWeights> e : EMBEDDINGS) ts.add(new Tensor(e.name(), e.shape().of(config, C, I), e.array().apply(this).clone()));
        for (int l = 0; l < layers.length; l++) {
            for (Entry<Layer> e : LAYER) {
                float[] a = e.array().apply(layers[l]);
                int[] shape = e.shape().of(config, C, I);
                String p = layerPrefix(l);
                switch (e.layout()) {
                    case PLAIN -> ts.add(new Tensor(p + e.name(), shape, a.clone()));
                    case TRANSPOSED -> ts.add(new Tensor(p + e.name(), shape, transpose(a, shape[1], shape[0])));
                    case QKV_WEIGHT -> {
                        for (int j = 0; j < 3; j++) {
                            float[] w = new float[C * C];
                            for (int o = 0; o < C; o++) for (int i = 0; i < C; i++) w[o * C + i] = a[i * 3 * C + j * C + o];
                            ts.add(new Tensor(p + "attention.self." + QKV[j] + ".weight", shape, w));
                        }
                    }
                    case QKV_BIAS -> {
                        for (int j = 0; j < 3; j++) ts.add(new Tensor(p + "attention.self." + QKV[j] + ".bias", shape, java.util.Arrays.copyOfRange(a, j * C, j * C + C)));
                    }
                }
            }
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
        for (Entry<BertWeights> e : EMBEDDINGS) r.copy(e.name(), e.array().apply(w), e.shape().of(config, C, I));
        for (int l = 0; l < config.numLayers(); l++) {
            String p = layerPrefix(l);
            for (Entry<Layer> e : LAYER) {
                float[] a = e.array().apply(w.layers[l]);
                int[] shape = e.shape().of(config, C, I);
                switch (e.layout()) {
                    case PLAIN -> r.copy(p + e.name(), a, shape);
                    case TRANSPOSED -> r.copyTransposed(p + e.name(), a, shape[0], shape[1]);
                    case QKV_WEIGHT -> {
                        for (int j = 0; j < 3; j++) {
                            float[] wt = r.get(p + "attention.self." + QKV[j] + ".weight", shape);
                            if (wt != null) for (int o = 0; o < C; o++) for (int i = 0; i < C; i++) a[i * 3 * C + j * C + o] = wt[o * C + i];
                        }
                    }
                    case QKV_BIAS -> {
                        for (int j = 0; j < 3; j++) {
                            float[] b = r.get(p + "attention.self." + QKV[j] + ".bias", shape);
                            if (b != null) System.arraycopy(b, 0, a, j * C, C);
                        }
                    }
                }
            }
        }
        r.finish();
        return w;
    }

    /**
     * A view that runs only the given layers (1-based, strictly ascending), sharing this model's arrays: a skip path
     * through the stack. Training a path view trains this model; its gradients land in the shared arrays of a
     * gradient model's view over the same path. Unlike {@link #relayered} nothing is copied.
     */
    public BertWeights path(int[] layersRun) {
        if (base != null) throw new IllegalStateException("a path view cannot be narrowed again");
        checkPath(layersRun, layers.length);
        Layer[] ls = new Layer[layersRun.length];
        for (int i = 0; i < ls.length; i++) ls[i] = layers[layersRun[i] - 1];
        return new BertWeights(this, config.withLayers(ls.length), ls);
    }

    /** A caller's path: at least one layer, each in 1..total, strictly ascending (a layer twice would share one gradient slot). */
    public static void checkPath(int[] layersRun, int total) {
        if (layersRun.length == 0) throw new dev.leap4j.api.UsageException("a path needs at least one layer");
        for (int i = 0; i < layersRun.length; i++) {
            if (layersRun[i] < 1 || layersRun[i] > total) {
                throw new dev.leap4j.api.UsageException("layer " + layersRun[i] + " does not exist: the model has layers 1.." + total);
            }
            if (i > 0 && layersRun[i] <= layersRun[i - 1]) {
                throw new dev.leap4j.api.UsageException("a path lists its layers in ascending order, each once: got " + java.util.Arrays.toString(layersRun));
            }
        }
    }

    private BertWeights(BertWeights base, BertConfig config, Layer[] layers) {
        this.base = base;
        this.config = config;
        this.wordEmbeddings = base.wordEmbeddings;
        this.positionEmbeddings = base.positionEmbeddings;
        this.tokenTypeEmbeddings = base.tokenTypeEmbeddings;
        this.embLnWeight = base.embLnWeight;
        this.embLnBias = base.embLnBias;
        this.layers = layers;
    }

    /**
     * A model whose layer i (0-based) is a copy of this model's layer sources[i] (1-based), with the same
     * embeddings; a source may repeat (each copy is an independent parameter). Spread sub-stacks keep far more of
     * a sentence encoder's quality than a prefix of the same depth: e5-small-v2's layers 1,4,7,10,11,12 score 0.847
     * STS-B dev Spearman untrained, its first six 0.630 (docs/RESULTS.md), so they are a better start for an exit path.
     */
    public BertWeights relayered(int[] sources) {
        if (sources.length == 0) throw new dev.leap4j.api.UsageException("a model needs at least one layer");
        for (int src : sources) {
            if (src < 1 || src > layers.length) throw new dev.leap4j.api.UsageException("layer " + src + " does not exist: the model has layers 1.." + layers.length);
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

    /**
     * Random weights for tests and gradient checks: matrices normal with std 0.1, biases (LayerNorm's too) std 0.02,
     * LayerNorm gains 1 + normal std 0.1. Wider than BERT's own initialisation (std 0.02, LayerNorm 1 and 0) so that
     * every path, LayerNorm parameters included, carries enough signal for finite differences to see it.
     */
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
    public static float[] transpose(float[] a, int rows, int cols) {
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
