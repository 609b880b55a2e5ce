package dev.leap4j.exit;

import dev.leap4j.api.UsageException;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.api.Embedding;

import dev.leap4j.model.BertConfig;
import dev.leap4j.api.WeightFormat;
import dev.leap4j.model.BertWeights;
import dev.leap4j.model.EncoderStack;
import dev.leap4j.load.ModelFolder;
import dev.leap4j.model.PackedBatch;
import dev.leap4j.load.Prompts;
import dev.leap4j.tensor.Kernels;
import dev.leap4j.tensor.Parallel;
import dev.leap4j.tensor.RuntimeCheck;
import dev.leap4j.tokenize.TextTokenizer;
import dev.leap4j.tokenize.TokenizedText;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Sentence embeddings with per-input early exit. A batch is packed without padding and run layer by layer;
 * after each layer >= minLayer every row's pooled state is compared with the previous layer's, and rows that
 * exit leave the working batch at once (their tokens are compacted away), so later layers only pay for the
 * inputs still running. A batch of many rows is cut into groups that threads run side by side ({@link RowGroups});
 * the same embeddings either way. Calls are serialised; activations live in preallocated workspaces that grow only
 * between batches, never inside the layer loop.
 */
public final class EarlyExitEncoder implements AutoCloseable {
    private final BertConfig config;
    private final BertWeights weights;
    private final TextTokenizer tokenizer;
    private final Parallel pool;
    private final String name;
    private final Prompts prompts;
    private final ExitCalibration calibration;
    private final DepthPaths depthPaths;
    private final java.util.Map<Integer, BertWeights> rungs; // depth -> the path's view over weights
    private final java.util.concurrent.atomic.AtomicBoolean warnedUncalibrated = new java.util.concurrent.atomic.AtomicBoolean();

    private static final System.Logger LOG = System.getLogger("dev.leap4j");

    private final InferenceWorkspace whole;        // a batch split inside each layer, over the whole pool
    private final InferenceWorkspace[] perThread;  // a batch split into groups of rows, one thread per group
    private int minGroupTokens = RowGroups.MIN_GROUP_TOKENS;

    public EarlyExitEncoder(ModelFolder model, int threads) throws IOException {
        this(model, threads, WeightFormat.FP32);
    }

    /** @param format the form of the layers' matrices; {@link WeightFormat#INT8} quantizes them once, before the first batch */
    public EarlyExitEncoder(ModelFolder model, int threads, WeightFormat format) throws IOException {
        this(withFormat(model, format).config(), model.weights(), TextTokenizer.load(model.tokenizerJson(), model.config().maxLength()), threads,
                model.dir().getFileName().toString(), model.prompts(), ExitCalibration.read(model.dir()),
                DepthPaths.read(model.dir(), model.config().numLayers()));
    }

    public EarlyExitEncoder(BertConfig config, BertWeights weights, TextTokenizer tokenizer, int threads, String name) {
        this(config, weights, tokenizer, threads, name, Prompts.NONE);
    }

    /**
     * @param prompts the model's prompts; the encoder never applies them itself (callers choose one per run or
     *                request and prepend it), it only carries them for callers that hold nothing but the encoder
     */
    public EarlyExitEncoder(BertConfig config, BertWeights weights, TextTokenizer tokenizer, int threads, String name, Prompts prompts) {
        this(config, weights, tokenizer, threads, name, prompts, ExitCalibration.NONE);
    }

    /** @param calibration what evaluation found about early exit on this model: decides the default rule */
    public EarlyExitEncoder(BertConfig config, BertWeights weights, TextTokenizer tokenizer, int threads, String name, Prompts prompts,
                            ExitCalibration calibration) {
        this(config, weights, tokenizer, threads, name, prompts, calibration, DepthPaths.NONE);
    }

    /** @param depthPaths the layers each capped depth runs ({@link DepthPaths#NONE}: the first K) */
    public EarlyExitEncoder(BertConfig config, BertWeights weights, TextTokenizer tokenizer, int threads, String name, Prompts prompts,
                            ExitCalibration calibration, DepthPaths depthPaths) {
        java.util.Objects.requireNonNull(calibration, "calibration (ExitCalibration.NONE for none)");
        depthPaths.check(config.numLayers());
        RuntimeCheck.requireVectorApi();
        if (weights.config != config) throw new IllegalArgumentException("weights were built for another config");
        java.util.Objects.requireNonNull(prompts, "prompts (Prompts.NONE for none)");
        this.config = config;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.pool = new Parallel(threads);
        this.whole = new InferenceWorkspace(config, pool);
        this.perThread = new InferenceWorkspace[threads];
        for (int t = 0; t < threads; t++) perThread[t] = new InferenceWorkspace(config, new Parallel(1));
        this.name = name;
        this.prompts = prompts;
        this.calibration = calibration;
        this.depthPaths = depthPaths;
        this.rungs = depthPaths.views(weights);
        RuntimeCheck.warnIfSlowPath();
    }

    private static ModelFolder withFormat(ModelFolder model, WeightFormat format) {
        model.weights().useMatrixFormat(format);
        return model;
    }

    /** Tests run small batches through the grouped path by lowering the tokens a group needs. */
    void splitGroupsFrom(int tokens) {
        this.minGroupTokens = tokens;
    }

    /**
     * The most tokens of activations this encoder holds when no batch has more than maxBatchTokens tokens and no row
     * more than maxLength: the workspace of batches split inside layers, plus, with more than one thread, one per
     * thread for batches run as groups of rows. Workspaces grow between batches and are kept, so this is what a
     * long-running caller (the server) must budget for.
     */
    public long workspaceTokens(int maxBatchTokens, int maxLength) {
        long tokens = InferenceWorkspace.capacityFor(maxBatchTokens);
        if (pool.threads() > 1) {
            long group = Math.min(maxBatchTokens, RowGroups.maxGroupTokens(maxBatchTokens, pool.threads(), minGroupTokens, maxLength));
            tokens += pool.threads() * InferenceWorkspace.capacityFor(group);
        }
        return tokens;
    }

    /** Tokens of activations the workspaces hold now. */
    long heldTokens() {
        long tokens = whole.tokenCapacity();
        for (InferenceWorkspace ws : perThread) tokens += ws.tokenCapacity();
        return tokens;
    }

    public WeightFormat weightFormat() {
        return weights.matrixFormat();
    }

    public BertConfig config() {
        return config;
    }

    public int numLayers() {
        return config.numLayers();
    }

    public int dimension() {
        return config.hidden();
    }

    public String name() {
        return name;
    }

    public int threads() {
        return pool.threads();
    }

    /** The model's prompts (none for an encoder built without a model folder). */
    public Prompts prompts() {
        return prompts;
    }

    public ExitCalibration calibration() {
        return calibration;
    }

    /** The layers each capped depth runs: a rung of the model's ladder, else the first K. */
    public DepthPaths depthPaths() {
        return depthPaths;
    }

    /** The rule a run that sets nothing uses: the calibration's recommendation, else full depth. */
    public ExitPolicy defaultPolicy() {
        return calibration.defaultPolicy(config.numLayers());
    }

    /**
     * The default rule with each value given in place of its default (null keeps it), checked against this
     * model's depth: what every entry point builds from its optional settings.
     */
    public ExitPolicy policy(Double theta, Integer minLayer, Integer patience, Integer depth) {
        ExitPolicy p = defaultPolicy().with(theta, minLayer, patience, depth);
        p.checkDepth(config.numLayers());
        warnIfUncalibrated(p);
        return p;
    }

    /**
     * Logs once per engine when a caller turns early exit on for a model not known to keep quality with it:
     * the vectors then come from different layers for different inputs, which ranks wrongly on stock models.
     */
    public void warnIfUncalibrated(ExitPolicy p) {
        if (!p.monitors() || calibration.recommendsExit() || !warnedUncalibrated.compareAndSet(false, true)) return;
        LOG.log(System.Logger.Level.WARNING, "early exit (" + p.describe() + ") on " + name + " is not known to keep quality: "
                + calibration.whyFullDepth() + ". Inputs may exit at different layers and rank wrongly; leave theta unset for full depth.");
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public TokenizedText tokenize(String text) {
        return tokenizer.encode(text);
    }

    /** Embeds texts in batches of batchSize; results in input order. */
    public List<Embedding> embed(List<String> texts, ExitPolicy policy, int batchSize) {
        if (batchSize < 1) throw new UsageException("batch size must be >= 1, got " + batchSize);
        List<Embedding> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i += batchSize) {
            List<TokenizedText> batch = tokenizer.encodeAll(texts.subList(i, Math.min(texts.size(), i + batchSize)));
            out.addAll(embedTokens(batch, policy));
        }
        return out;
    }

    /** Embeds one batch of tokenized inputs; results in input order. */
    public synchronized List<Embedding> embedTokens(List<TokenizedText> inputs, ExitPolicy policy) {
        Embedding[] out = new Embedding[inputs.size()];
        run(inputs, policy, out, null);
        return java.util.Arrays.asList(out);
    }

    /**
     * Full-depth run that records every layer's pooled (un-normalised) state: trace[i][l - 1] is input i after
     * layer l. Exit decisions for any policy can be replayed from it exactly ({@link ExitReplay}).
     */
    public synchronized float[][][] trace(List<TokenizedText> inputs) {
        float[][][] trace = new float[inputs.size()][config.numLayers()][];
        run(inputs, ExitPolicy.fullDepth(), new Embedding[inputs.size()], trace);
        return trace;
    }

    private void run(List<TokenizedText> inputs, ExitPolicy policy, Embedding[] out, float[][][] trace) {
        int rows = inputs.size();
        if (rows == 0) return;
        policy.checkDepth(config.numLayers());
        int[] lens = new int[rows];
        for (int r = 0; r < rows; r++) {
            lens[r] = inputs.get(r).length();
            if (lens[r] > config.maxPositions()) throw new IllegalArgumentException("input " + r + " has " + lens[r] + " tokens; the model takes at most " + config.maxPositions());
        }
        int[] groups = RowGroups.split(lens, pool.threads(), minGroupTokens);
        if (groups == null) {
            runGroup(inputs, 0, rows, policy, out, trace, whole);
            return;
        }
        pool.forChunks(groups.length - 1, groups.length - 1, (t, g0, g1) -> {
            for (int g = g0; g < g1; g++) runGroup(inputs, groups[g], groups[g + 1], policy, out, trace, perThread[t]);
        });
    }

    /** Runs rows [from, to) of inputs through the stack with ws's pool and activations; out and trace by input index. */
    private void runGroup(List<TokenizedText> inputs, int from, int to, ExitPolicy policy, Embedding[] out, float[][][] trace,
                          InferenceWorkspace ws) {
        PackedBatch batch = PackedBatch.of(inputs.subList(from, to));
        ws.ensureCapacity(batch.tokens(), to - from, batch.maxLen());
        // a depth cap makes layer L the last one run: its pooled state is bit for bit the full run's layer L, or,
        // where the model names a path of L layers, the state after the last layer of that path (layer l below
        // counts the layers run)
        int C = config.hidden(), L = policy.lastLayer(config.numLayers());
        BertWeights w = rungs.getOrDefault(L, weights);
        int[] streak = new int[to - from]; // by row of the group: layers in a row that agreed with their predecessor
        boolean monitor = policy.monitors() || trace != null;
        // pooling starts one layer before the first exit layer, which the rule compares against
        int firstPooled = trace != null ? 1 : policy.firstExitLayer() - 1;
        EncoderStack.run(w, ws.pool, batch, EncoderStack.Buffers.inference(ws.x, ws.buffers, ws.scores), L, (l, h, b) -> {
            boolean last = l == L;
            if (!(monitor && l >= firstPooled) && !last) return true;
            // pooled states are kept at the row's index in the group, so dropping rows never moves them
            float[] curPooled = ws.curPooled, prevPooled = ws.prevPooled;
            for (int s = 0; s < b.rows(); s++) config.pooling().forward(h, C, b.offsets()[s], b.lens()[s], curPooled, b.slot(s) * C);
            if (trace != null) {
                for (int s = 0; s < b.rows(); s++) trace[from + b.slot(s)][l - 1] = java.util.Arrays.copyOfRange(curPooled, b.slot(s) * C, b.slot(s) * C + C);
            }
            boolean[] exits = null;
            for (int s = 0; s < b.rows(); s++) {
                int row = b.slot(s);
                boolean exit = last;
                if (!last && policy.monitors() && l >= policy.firstExitLayer()) {
                    streak[row] = policy.streak(streak[row], cosine(curPooled, row * C, prevPooled, row * C, C));
                    exit = policy.exits(streak[row]);
                }
                if (exit) {
                    out[from + row] = new Embedding(finish(curPooled, row * C), l, b.lens()[s], inputs.get(from + row).truncated());
                    if (exits == null) exits = new boolean[b.rows()];
                    exits[s] = true;
                }
            }
            if (last) return false;
            if (exits != null) b.retain(exits, h, C);
            ws.swapPooled();
            return true;
        });
    }

    private float[] finish(float[] pooled, int off) {
        int C = config.hidden();
        float[] v = java.util.Arrays.copyOfRange(pooled, off, off + C);
        if (config.normalize()) normalize(v);
        return v;
    }

    /** In-place L2 normalisation, as torch.nn.functional.normalize (eps 1e-12). */
    public static void normalize(float[] v) {
        double ss = 0;
        for (float f : v) ss += (double) f * f;
        float inv = (float) (1.0 / Math.max(Math.sqrt(ss), 1e-12));
        for (int i = 0; i < v.length; i++) v[i] *= inv;
    }

    /** Cosine similarity of two vectors; 0 when either is zero. */
    public static double cosine(float[] a, int aOff, float[] b, int bOff, int n) {
        double ab = Kernels.dot(a, aOff, b, bOff, n);
        double aa = Kernels.dot(a, aOff, a, aOff, n);
        double bb = Kernels.dot(b, bOff, b, bOff, n);
        double d = Math.sqrt(aa) * Math.sqrt(bb);
        return d == 0 ? 0 : ab / d;
    }

    @Override
    public void close() {
        pool.close();
        for (InferenceWorkspace ws : perThread) ws.pool.close();
        tokenizer.close();
    }
}
