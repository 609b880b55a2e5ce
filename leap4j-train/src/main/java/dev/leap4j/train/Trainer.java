package dev.leap4j.train;

import dev.leap4j.api.UsageException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.load.ModelFolder;
import dev.leap4j.model.PackedBatch;
import dev.leap4j.tensor.Parallel;
import dev.leap4j.tokenize.TextTokenizer;
import dev.leap4j.tokenize.TokenizedText;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A LEAP (or standard distillation) training run: the teacher's pooled states are computed once and cached; each
 * step runs the student forward with the engine's kernels, the loss and its exact gradient, the backward pass,
 * global-norm clipping and AdamW. The out folder ends as a normal model folder (safetensors, config, tokenizer);
 * training state sits beside it: checkpoint.bin, train-log.jsonl, teacher-cache.bin.
 */
public final class Trainer {
    public static final String LOG = "train-log.jsonl";
    public static final String TEACHER_CACHE = "teacher-cache.bin";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The finished run. */
    public record Result(Path modelDir, long steps, LeapLoss.Terms lastTerms) {}

    private Trainer() {}

    public static Result run(TrainSettings s, ModelFolder student, ModelFolder teacher, List<String> texts, Path out,
                             boolean resume, int threads, TrainListener listener) throws IOException {
        return run(s, student, teacher, texts, out, resume, threads, listener, null);
    }

    /** As above; probe (may be null) measures the student before the first step and every probe.every() steps. */
    public static Result run(TrainSettings s, ModelFolder student, ModelFolder teacher, List<String> texts, Path out,
                             boolean resume, int threads, TrainListener listener, Probe probe) throws IOException {
        Path ckptFile = Checkpoint.file(out);
        checkRun(s, student.config(), teacher.config(), out, ckptFile, resume, probe);
        BertConfig sc = student.config(), tc = teacher.config();
        int maxLength = Math.min(s.maxLength(), sc.maxLength());
        List<TokenizedText> data;
        try (TextTokenizer stok = TextTokenizer.load(student.tokenizerJson(), maxLength);
             TextTokenizer ttok = TextTokenizer.load(teacher.tokenizerJson(), maxLength)) {
            checkSameTokenizer(stok, ttok, texts, tc.vocabSize());
            data = stok.encodeAll(texts);
        }
        int B = Math.min(s.batchSize(), data.size());
        long total = s.maxSteps() > 0 ? s.maxSteps() : s.epochs() * (data.size() / B);
        String dataHash = TeacherCache.dataHash(data);
        String fingerprint = s.fingerprint() + " data=" + dataHash + " student=" + TeacherCache.weightsHash(student.weights())
                + " teacher=" + TeacherCache.weightsHash(teacher.weights());

        try (Parallel pool = new Parallel(threads)) {
            TeacherCache.States teach = TeacherCache.loadOrCompute(out.resolve(TEACHER_CACHE), teacher.weights(), dataHash, data,
                    s.loss().teacherLayersNeeded(tc.numLayers()), s.lossPooling(), pool, 32, listener);
            BertWeights w = student.weights();
            StepRunner runner = new StepRunner(s, w, new BertWeights(sc), tc, teach, pool, B, maxLength);
            AdamW opt = runner.optimizer(s, total);
            long done = 0;
            DataOrder order;
            if (resume) {
                Checkpoint.State st = Checkpoint.read(ckptFile);
                if (!st.fingerprint().equals(fingerprint)) {
                    throw new UsageException("the checkpoint in " + out + " was made with other settings, data or models:\n  checkpoint: "
                            + st.fingerprint() + "\n  this run:   " + fingerprint);
                }
                Checkpoint.restore(st, opt);
                done = st.step();
                order = DataOrder.resumed(st.epochRngState(), done, data.size(), B);
                truncateLog(out.resolve(LOG), done);
                listener.resumed(done, ckptFile);
            } else {
                order = DataOrder.fresh(s.seed(), data.size(), B);
                Files.createDirectories(out);
                Files.deleteIfExists(out.resolve(LOG));
            }

            LeapLoss.Terms last = null;
            long t0 = System.nanoTime(), tokensSeen = 0, stepsHere = 0, probeNanos = 0;
            try (BufferedWriter log = Files.newBufferedWriter(out.resolve(LOG), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                if (probe != null && done == 0) probeNanos += probe(probe, s, sc, w, 0, log, listener);
                for (long step = done + 1; step <= total; step++) {
                    int[] idx = order.rows(step);
                    List<TokenizedText> rows = new ArrayList<>(B);
                    for (int i : idx) rows.add(data.get(i));
                    PackedBatch batch = PackedBatch.of(rows);
                    LeapLoss.Terms terms = runner.lossAndGradients(batch, idx, step, ckptFile);
                    double norm = opt.gradientNorm();
                    if (!Double.isFinite(norm)) {
                        throw new TrainingStoppedException("gradient is not finite at step " + step + "; stopped without writing a checkpoint"
                                + lastCheckpointNote(ckptFile) + ". Lower --lr or check the models and data.");
                    }
                    double lr = opt.learningRate(step);
                    opt.step(step, norm > s.clipNorm() ? s.clipNorm() / norm : 1.0);
                    last = terms;
                    tokensSeen += batch.tokens();
                    stepsHere++;
                    double elapsed = (System.nanoTime() - t0 - probeNanos) / 1e9;
                    StepReport rep = new StepReport(step, total, (int) order.epoch(step), terms, lr, norm, batch.tokens(), elapsed, tokensSeen / elapsed);
                    log.write(logLine(rep));
                    log.newLine();
                    log.flush();
                    if (step % s.checkpointEvery() == 0 || step == total) {
                        Checkpoint.write(ckptFile, fingerprint, step, order.epochRngState(), opt);
                        listener.checkpointed(step, ckptFile);
                    }
                    listener.step(rep, stepsHere);
                    if (probe != null && (step % probe.every() == 0 || step == total)) probeNanos += probe(probe, s, sc, w, step, log, listener);
                }
            }
            writeModel(out, sc, w, student.tokenizerJson());
            // a ladder's short paths become the model's depth paths: --depth K then runs the rung trained for K layers
            dev.leap4j.exit.DepthPaths.of(s.paths(), sc.numLayers()).write(out);
            return new Result(out, total, last);
        }
    }

    /** A caller's mistakes, each in one line, before anything is computed or written. */
    private static void checkRun(TrainSettings s, BertConfig sc, BertConfig tc, Path out, Path ckptFile, boolean resume, Probe probe) {
        if (probe != null && probe.every() < 1) throw new UsageException("probe interval must be >= 1 step, got " + probe.every());
        if (!resume && Files.exists(ckptFile)) {
            throw new UsageException(out + " already holds a training checkpoint: pass --resume to continue it, or choose another --out");
        }
        if (resume && !Files.exists(ckptFile)) throw new UsageException("nothing to resume: no checkpoint in " + out);
        LossSettings ls = s.loss();
        if (ls.studentLayers() != sc.numLayers()) throw new UsageException("loss settings are for " + ls.studentLayers() + " layers; the student has " + sc.numLayers());
        for (int t : ls.interMap()) {
            if (t < 0 || t > tc.numLayers()) throw new UsageException("layer map names teacher layer " + t + "; the teacher has " + tc.numLayers());
        }
        java.util.Set<Integer> depths = new java.util.HashSet<>();
        for (int[] p : s.paths()) {
            BertWeights.checkPath(p, sc.numLayers());
            if (!depths.add(p.length)) throw new UsageException("two skip paths run " + p.length + " layers: a ladder's paths differ in depth");
        }
        if (!s.paths().isEmpty() && sc.hidden() != tc.hidden()) {
            throw new UsageException("skip paths need a teacher as wide as the student (" + sc.hidden() + "), got " + tc.hidden());
        }
        int maxLength = Math.min(s.maxLength(), sc.maxLength());
        if (maxLength > tc.maxPositions()) throw new UsageException("max length " + maxLength + " exceeds the teacher's " + tc.maxPositions() + " positions");
    }

    /**
     * The order the inputs are visited in: a fresh permutation per epoch, drawn from one RNG whose state at the
     * start of the current epoch goes into every checkpoint, so a resumed run sees exactly the batches it would have.
     */
    private static final class DataOrder {
        private final int n, batch;
        private final long batchesPerEpoch;
        private Rng rng;
        private long epochRngState;
        private int[] perm;
        private long permEpoch = -1;

        private DataOrder(int n, int batch) {
            this.n = n;
            this.batch = batch;
            this.batchesPerEpoch = n / batch;
        }

        static DataOrder fresh(long seed, int n, int batch) {
            DataOrder o = new DataOrder(n, batch);
            o.rng = new Rng(seed);
            o.epochRngState = o.rng.state();
            return o;
        }

        static DataOrder resumed(long epochRngState, long done, int n, int batch) {
            DataOrder o = new DataOrder(n, batch);
            o.epochRngState = epochRngState;
            o.rng = new Rng(epochRngState);
            o.perm = o.rng.permutation(n);
            o.permEpoch = done == 0 ? 0 : (done - 1) / o.batchesPerEpoch;
            return o;
        }

        long epoch(long step) {
            return (step - 1) / batchesPerEpoch;
        }

        /** The input indices of 1-based step's batch. */
        int[] rows(long step) {
            long epoch = epoch(step);
            if (epoch != permEpoch) {
                epochRngState = rng.state();
                perm = rng.permutation(n);
                permEpoch = epoch;
            }
            int pos = (int) ((step - 1) % batchesPerEpoch);
            int[] idx = new int[batch];
            for (int r = 0; r < batch; r++) idx[r] = perm[pos * batch + r];
            return idx;
        }

        long epochRngState() {
            return epochRngState;
        }
    }

    /**
     * One step's forward, loss and backward over a batch: the loss reads the student's pooled states where the
     * forward left them and writes their gradient where the backward reads it, then that gradient runs down the
     * stack into the gradient weights g. When the widths differ, a training-only projection to the teacher's width
     * is trained too (never written to the model folder). With skip paths, each path runs as a model of its own
     * layers ({@link BertWeights#path}); its gradients land in a scratch model and are added into g, since the
     * kernels write gradients rather than accumulate them. The paths run one after another in one activation
     * workspace, sized for the deepest.
     */
    static final class StepRunner {
        /** One path's pass, its loss, and the gradient of its pooled states (k, B, Cs); gIndex: g's parameters it adds into. */
        private record PathStep(StudentPass pass, LeapLoss loss, float[] dpooled, int[] gIndex) {}

        private final BertWeights w, g;
        private final BertWeights gPath;             // one path's gradients; null when every step runs the whole stack
        private final List<BertWeights.Param> gParams, gPathParams; // the two, in the same order; gPathParams null with gPath
        private final TeacherCache.States teach;
        private final PathStep[] steps;
        private final int B, Ct, teacherLayers;
        private final float[][] tRows;               // [teacher layer] (B, Ct): the batch's rows of the cached states
        private final float[] proj, dproj;           // (Cs, Ct) or null

        StepRunner(TrainSettings s, BertWeights w, BertWeights g, BertConfig tc, TeacherCache.States teach, Parallel pool, int B, int maxLength) {
            BertConfig sc = w.config;
            int L = sc.numLayers(), Cs = sc.hidden();
            this.w = w;
            this.g = g;
            this.teach = teach;
            this.B = B;
            this.Ct = tc.hidden();
            this.teacherLayers = tc.numLayers();
            this.tRows = new float[teacherLayers + 1][];
            for (int layer : teach.layers()) tRows[layer] = new float[B * Ct];
            this.gParams = g.parameters();
            if (s.paths().isEmpty()) {
                gPath = null;
                gPathParams = null;
                steps = new PathStep[]{new PathStep(new StudentPass(w, g, pool, B * maxLength, B, maxLength, s.trainWordEmbeddings(), s.lossPooling()),
                        new LeapLoss(s.loss(), B, Cs, Ct), new float[L * B * Cs], null)};
            } else {
                gPath = new BertWeights(sc);
                gPathParams = gPath.parameters();
                steps = new PathStep[s.paths().size()];
                StudentPass.Workspace ws = new StudentPass.Workspace(sc, s.paths().stream().mapToInt(p -> p.length).max().orElseThrow(), pool, B * maxLength, B, maxLength);
                for (int i = 0; i < steps.length; i++) {
                    int[] p = s.paths().get(i);
                    steps[i] = new PathStep(new StudentPass(w.path(p), gPath.path(p), pool, ws, s.trainWordEmbeddings(), s.lossPooling()),
                            new LeapLoss(s.loss().finalTermsFor(p.length, s.pathWeight(i)), B, Cs, Ct), new float[p.length * B * Cs],
                            gradientsOf(gParams, p, s.trainWordEmbeddings()));
                }
            }
            if (Cs != Ct) {
                proj = new float[Cs * Ct];
                dproj = new float[Cs * Ct];
                Rng init = new Rng(s.seed() ^ 0x5EEDL);
                for (int i = 0; i < proj.length; i++) proj[i] = (float) (init.nextGaussian() / Math.sqrt(Cs));
            } else {
                proj = dproj = null;
            }
        }

        /** Indices into the parameter list of the arrays a path's backward writes: the embeddings and its layers. */
        private static int[] gradientsOf(List<BertWeights.Param> ps, int[] path, boolean words) {
            java.util.Set<String> prefixes = new java.util.HashSet<>();
            for (int l : path) prefixes.add("encoder.layer." + (l - 1) + ".");
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < ps.size(); i++) {
                String n = ps.get(i).name();
                boolean emb = n.startsWith("embeddings.") && (words || !n.equals("embeddings.word_embeddings.weight"));
                if (emb || (n.startsWith("encoder.layer.") && prefixes.contains(n.substring(0, n.indexOf('.', "encoder.layer.".length()) + 1)))) idx.add(i);
            }
            return idx.stream().mapToInt(Integer::intValue).toArray();
        }

        /** AdamW over the student's parameters (word embeddings only when asked; no decay on biases and LayerNorm) and the projection. */
        AdamW optimizer(TrainSettings s, long total) {
            List<AdamW.Slot> slots = new ArrayList<>();
            List<BertWeights.Param> ps = w.parameters(), gs = g.parameters();
            for (int i = 0; i < ps.size(); i++) {
                String name = ps.get(i).name();
                if (!s.trainWordEmbeddings() && name.equals("embeddings.word_embeddings.weight")) continue;
                boolean decay = !(name.endsWith("bias") || name.contains("LayerNorm"));
                slots.add(new AdamW.Slot(name, ps.get(i).data(), gs.get(i).data(), decay));
            }
            if (proj != null) slots.add(new AdamW.Slot("training.projection", proj, dproj, false));
            return new AdamW(slots, s.lr(), s.weightDecay(), Math.round(s.warmupFraction() * total), total);
        }

        /** idx: the batch rows' input indices (where their teacher states are). Stops the run on a non-finite loss. */
        LeapLoss.Terms lossAndGradients(PackedBatch batch, int[] idx, long step, Path ckptFile) {
            if (batch.rows() != B) throw new IllegalStateException("the step runner is sized for batches of " + B + " rows, got " + batch.rows());
            for (int layer : teach.layers()) gather(teach.at(layer), idx, Ct, tRows[layer]);
            if (gPath != null) for (BertWeights.Param p : gParams) java.util.Arrays.fill(p.data(), 0f);
            LeapLoss.Terms sum = null;
            for (PathStep ps : steps) {
                float[] pooled = ps.pass().forward(batch);
                LeapLoss.Terms terms = ps.loss().compute(pooled, tRows, tRows[teacherLayers], proj, ps.dpooled(), dproj);
                if (!terms.finite()) {
                    throw new TrainingStoppedException(String.format(java.util.Locale.ROOT,
                            "loss is not finite at step %d (final %s, inter %s, exit %s, contrast %s); stopped without writing a checkpoint%s. Lower --lr or check the models and data.",
                            step, terms.fin(), terms.inter(), terms.exit(), terms.contrast(), lastCheckpointNote(ckptFile)));
                }
                ps.pass().backward(batch, ps.dpooled());
                if (gPath != null) {
                    for (int i : ps.gIndex()) {
                        float[] to = gParams.get(i).data(), from = gPathParams.get(i).data();
                        for (int k = 0; k < to.length; k++) to[k] += from[k];
                    }
                }
                sum = sum == null ? terms : sum.plus(terms);
            }
            return sum;
        }
    }

    /** Runs the probe, logs its numbers; returns the nanoseconds it took (kept out of the tokens/s figure). */
    private static long probe(Probe probe, TrainSettings s, BertConfig cfg, BertWeights w, long step, BufferedWriter log, TrainListener listener) throws IOException {
        long t = System.nanoTime();
        java.util.Map<String, Double> m;
        if (s.paths().isEmpty()) {
            m = probe.measure(cfg, w);
        } else {
            // each path as the engine would run it, keyed by its depth (a ladder's depths are distinct)
            m = new java.util.LinkedHashMap<>();
            for (int[] p : s.paths()) {
                BertWeights v = w.path(p);
                for (var e : probe.measure(v.config, v).entrySet()) m.put("path" + p.length + "." + e.getKey(), e.getValue());
            }
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("step", step);
        ObjectNode p = o.putObject("probe");
        m.forEach(p::put);
        log.write(o.toString());
        log.newLine();
        log.flush();
        listener.probed(step, m);
        return System.nanoTime() - t;
    }

    private static String lastCheckpointNote(Path ckpt) {
        return Files.exists(ckpt) ? " (the last checkpoint, " + ckpt + ", is intact)" : "";
    }

    /** The rows idx of states (N, C) into out (idx.length, C). */
    private static void gather(float[] states, int[] idx, int C, float[] out) {
        for (int i = 0; i < idx.length; i++) System.arraycopy(states, idx[i] * C, out, i * C, C);
    }

    /** The teacher must split text exactly as the student does: the cached teacher states are indexed by the student's tokens. */
    static void checkSameTokenizer(TextTokenizer student, TextTokenizer teacher, List<String> texts, int teacherVocab) {
        if (!student.vocabularyFingerprint().equals(teacher.vocabularyFingerprint())) {
            throw new UsageException("the teacher's tokenizer differs from the student's (different ids for the same text); LEAP distillation needs one shared tokenizer");
        }
        for (int i = 0; i < Math.min(texts.size(), 256); i++) {
            TokenizedText a = student.encode(texts.get(i)), b = teacher.encode(texts.get(i));
            if (!java.util.Arrays.equals(a.ids(), b.ids()) || !java.util.Arrays.equals(a.typeIds(), b.typeIds())) {
                throw new UsageException("the teacher's tokenizer differs from the student's: training line " + (i + 1)
                        + " tokenizes differently; LEAP distillation needs one shared tokenizer");
            }
            for (int id : a.ids()) {
                if (id >= teacherVocab) throw new UsageException("token id " + id + " is outside the teacher's vocabulary (" + teacherVocab + ")");
            }
        }
    }

    static String logLine(StepReport r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", r.step());
        o.put("epoch", r.epoch());
        o.put("loss", r.terms().total());
        o.put("final", r.terms().fin());
        o.put("inter", r.terms().inter());
        o.put("exit", r.terms().exit());
        o.put("contrast", r.terms().contrast());
        o.put("align", r.terms().align());
        o.put("relational", r.terms().relational());
        o.put("lr", r.lr());
        o.put("grad_norm", r.gradNorm());
        o.put("tokens", r.batchTokens());
        o.put("elapsed_s", r.elapsedSeconds());
        o.put("tokens_per_s", r.tokensPerSecond());
        return o.toString();
    }

    /** Keeps the log's lines up to the resumed step; a line torn by a kill is dropped. */
    static void truncateLog(Path log, long step) throws IOException {
        if (!Files.exists(log)) return;
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            try {
                JsonNode n = JSON.readTree(line);
                if (n != null && n.path("step").asLong(Long.MAX_VALUE) <= step) keep.add(line);
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                // torn last line
            }
        }
        FloatIo.writeAtomically(log, o -> {
            for (String k : keep) o.write((k + "\n").getBytes(StandardCharsets.UTF_8));
        });
    }

    /**
     * Writes the model files into out (config.json, model.safetensors, tokenizer.json, sentence-transformers module
     * files) without touching the training state next to them: a complete folder is built aside, then each file is
     * renamed into place.
     */
    static void writeModel(Path out, BertConfig cfg, BertWeights w, Path tokenizerJson) throws IOException {
        Path staging = out.resolve(".model-staging");
        ModelFolder.write(staging, cfg, w, tokenizerJson);
        try (Stream<Path> files = Files.walk(staging)) {
            for (Path f : files.toList()) {
                Path target = out.resolve(staging.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(target); // module folders may be empty (2_Normalize)
                else Files.move(f, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        try (Stream<Path> s = Files.walk(staging)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
