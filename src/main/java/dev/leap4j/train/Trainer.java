package dev.leap4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.model.ModelFolder;
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
        if (probe != null && probe.every() < 1) throw new IllegalArgumentException("probe interval must be >= 1 step, got " + probe.every());
        Path ckptFile = Checkpoint.file(out);
        if (!resume && Files.exists(ckptFile)) {
            throw new IllegalArgumentException(out + " already holds a training checkpoint: pass --resume to continue it, or choose another --out");
        }
        if (resume && !Files.exists(ckptFile)) throw new IllegalArgumentException("nothing to resume: no checkpoint in " + out);
        BertConfig sc = student.config(), tc = teacher.config();
        LossSettings ls = s.loss();
        if (ls.studentLayers() != sc.numLayers()) throw new IllegalArgumentException("loss settings are for " + ls.studentLayers() + " layers; the student has " + sc.numLayers());
        for (int t : ls.interMap()) {
            if (t < 0 || t > tc.numLayers()) throw new IllegalArgumentException("layer map names teacher layer " + t + "; the teacher has " + tc.numLayers());
        }
        int maxLength = Math.min(s.maxLength(), sc.maxLength());
        if (maxLength > tc.maxPositions()) throw new IllegalArgumentException("max length " + maxLength + " exceeds the teacher's " + tc.maxPositions() + " positions");
        List<TokenizedText> data;
        try (TextTokenizer stok = TextTokenizer.load(student.tokenizerJson(), maxLength);
             TextTokenizer ttok = TextTokenizer.load(teacher.tokenizerJson(), maxLength)) {
            checkSameTokenizer(stok, ttok, texts, tc.vocabSize());
            data = stok.encodeAll(texts);
        }
        int n = data.size();
        int B = Math.min(s.batchSize(), n);
        long batchesPerEpoch = n / B;
        long total = s.maxSteps() > 0 ? s.maxSteps() : s.epochs() * batchesPerEpoch;
        String dataHash = TeacherCache.dataHash(data);
        String fingerprint = s.fingerprint() + " data=" + dataHash + " student=" + TeacherCache.weightsHash(student.weights())
                + " teacher=" + TeacherCache.weightsHash(teacher.weights());

        try (Parallel pool = new Parallel(threads)) {
            TeacherCache.States teach = TeacherCache.loadOrCompute(out.resolve(TEACHER_CACHE), teacher.weights(), dataHash, data,
                    ls.teacherLayersNeeded(tc.numLayers()), s.lossPooling(), pool, 32, listener);
            BertWeights w = student.weights();
            BertWeights g = new BertWeights(sc);
            int Cs = sc.hidden(), Ct = tc.hidden(), L = sc.numLayers();
            float[] proj = null, dproj = null;
            List<AdamW.Slot> slots = new ArrayList<>();
            List<BertWeights.Param> ps = w.parameters(), gs = g.parameters();
            for (int i = 0; i < ps.size(); i++) {
                String name = ps.get(i).name();
                if (!s.trainWordEmbeddings() && name.equals("embeddings.word_embeddings.weight")) continue;
                boolean decay = !(name.endsWith("bias") || name.contains("LayerNorm"));
                slots.add(new AdamW.Slot(name, ps.get(i).data(), gs.get(i).data(), decay));
            }
            if (Cs != Ct) {
                // training-only projection to the teacher's width; never written to the model folder
                proj = new float[Cs * Ct];
                dproj = new float[Cs * Ct];
                Rng init = new Rng(s.seed() ^ 0x5EEDL);
                for (int i = 0; i < proj.length; i++) proj[i] = (float) (init.nextGaussian() / Math.sqrt(Cs));
                slots.add(new AdamW.Slot("training.projection", proj, dproj, false));
            }
            AdamW opt = new AdamW(slots, s.lr(), s.weightDecay(), Math.round(s.warmupFraction() * total), total);

            long done = 0;
            Rng dataRng = new Rng(s.seed());
            long epochRngState = dataRng.state();
            int[] perm = null;
            long permEpoch = -1;
            if (resume) {
                Checkpoint.State st = Checkpoint.read(ckptFile);
                if (!st.fingerprint().equals(fingerprint)) {
                    throw new IllegalArgumentException("the checkpoint in " + out + " was made with other settings, data or models:\n  checkpoint: "
                            + st.fingerprint() + "\n  this run:   " + fingerprint);
                }
                Checkpoint.restore(st, opt);
                done = st.step();
                epochRngState = st.epochRngState();
                dataRng = new Rng(epochRngState);
                perm = dataRng.permutation(n);
                permEpoch = done == 0 ? 0 : (done - 1) / batchesPerEpoch;
                truncateLog(out.resolve(LOG), done);
                listener.resumed(done, ckptFile);
            } else {
                Files.createDirectories(out);
                Files.deleteIfExists(out.resolve(LOG));
            }

            StudentPass pass = new StudentPass(w, g, pool, B * maxLength, B, maxLength, s.trainWordEmbeddings(), s.lossPooling());
            float[] dpooled = new float[L * B * Cs];
            double[] projD = proj == null ? null : new double[proj.length];
            double[] dprojD = proj == null ? null : new double[proj.length];
            LeapLoss.Terms last = null;
            long t0 = System.nanoTime(), tokensSeen = 0, stepsHere = 0, probeNanos = 0;
            try (BufferedWriter log = Files.newBufferedWriter(out.resolve(LOG), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                if (probe != null && done == 0) probeNanos += probe(probe, sc, w, 0, log, listener);
                for (long step = done + 1; step <= total; step++) {
                    long epoch = (step - 1) / batchesPerEpoch;
                    int pos = (int) ((step - 1) % batchesPerEpoch);
                    if (epoch != permEpoch) {
                        epochRngState = dataRng.state();
                        perm = dataRng.permutation(n);
                        permEpoch = epoch;
                    }
                    List<TokenizedText> rows = new ArrayList<>(B);
                    int[] idx = new int[B];
                    for (int r = 0; r < B; r++) {
                        idx[r] = perm[pos * B + r];
                        rows.add(data.get(idx[r]));
                    }
                    Batch batch = Batch.of(rows);
                    float[] pooled = pass.forward(batch);
                    double[][][] sD = new double[L][B][Cs], dsD = new double[L][B][Cs];
                    for (int l = 0; l < L; l++) for (int r = 0; r < B; r++) for (int c = 0; c < Cs; c++) sD[l][r][c] = pooled[(l * B + r) * Cs + c];
                    double[][][] tl = new double[tc.numLayers() + 1][][];
                    for (int layer : teach.layers()) tl[layer] = gather(teach.at(layer), idx, Ct);
                    if (proj != null) for (int i = 0; i < proj.length; i++) projD[i] = proj[i];
                    LeapLoss.Terms terms = LeapLoss.compute(ls, sD, tl, tl[tc.numLayers()], projD, dsD, dprojD);
                    if (!terms.finite()) {
                        throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                                "loss is not finite at step %d (final %s, inter %s, exit %s, contrast %s); stopped without writing a checkpoint%s. Lower --lr or check the models and data.",
                                step, terms.fin(), terms.inter(), terms.exit(), terms.contrast(), lastCheckpointNote(ckptFile)));
                    }
                    for (int l = 0; l < L; l++) for (int r = 0; r < B; r++) for (int c = 0; c < Cs; c++) dpooled[(l * B + r) * Cs + c] = (float) dsD[l][r][c];
                    if (proj != null) for (int i = 0; i < proj.length; i++) dproj[i] = (float) dprojD[i];
                    pass.backward(batch, dpooled);
                    double norm = opt.gradientNorm();
                    if (!Double.isFinite(norm)) {
                        throw new IllegalStateException("gradient is not finite at step " + step + "; stopped without writing a checkpoint"
                                + lastCheckpointNote(ckptFile) + ". Lower --lr or check the models and data.");
                    }
                    double clip = norm > s.clipNorm() ? s.clipNorm() / norm : 1.0;
                    double lr = opt.learningRate(step);
                    opt.step(step, clip);
                    last = terms;
                    tokensSeen += batch.tokens();
                    stepsHere++;
                    double elapsed = (System.nanoTime() - t0 - probeNanos) / 1e9;
                    StepReport rep = new StepReport(step, total, (int) epoch, terms, lr, norm, batch.tokens(), elapsed, tokensSeen / elapsed);
                    log.write(logLine(rep));
                    log.newLine();
                    log.flush();
                    if (step % s.checkpointEvery() == 0 || step == total) {
                        Checkpoint.write(ckptFile, fingerprint, step, epochRngState, opt);
                        listener.checkpointed(step, ckptFile);
                    }
                    listener.step(rep, stepsHere);
                    if (probe != null && (step % probe.every() == 0 || step == total)) probeNanos += probe(probe, sc, w, step, log, listener);
                }
            }
            writeModel(out, sc, w, student.tokenizerJson());
            return new Result(out, total, last);
        }
    }

    /** Runs the probe, logs its numbers; returns the nanoseconds it took (kept out of the tokens/s figure). */
    private static long probe(Probe probe, BertConfig cfg, BertWeights w, long step, BufferedWriter log, TrainListener listener) throws IOException {
        long t = System.nanoTime();
        java.util.Map<String, Double> m = probe.measure(cfg, w);
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

    private static double[][] gather(float[] states, int[] idx, int C) {
        double[][] r = new double[idx.length][C];
        for (int i = 0; i < idx.length; i++) for (int c = 0; c < C; c++) r[i][c] = states[idx[i] * C + c];
        return r;
    }

    /** The teacher must split text exactly as the student does: the cached teacher states are indexed by the student's tokens. */
    static void checkSameTokenizer(TextTokenizer student, TextTokenizer teacher, List<String> texts, int teacherVocab) {
        if (!student.vocabularyFingerprint().equals(teacher.vocabularyFingerprint())) {
            throw new IllegalArgumentException("the teacher's tokenizer differs from the student's (different ids for the same text); LEAP distillation needs one shared tokenizer");
        }
        for (int i = 0; i < Math.min(texts.size(), 256); i++) {
            TokenizedText a = student.encode(texts.get(i)), b = teacher.encode(texts.get(i));
            if (!java.util.Arrays.equals(a.ids(), b.ids()) || !java.util.Arrays.equals(a.typeIds(), b.typeIds())) {
                throw new IllegalArgumentException("the teacher's tokenizer differs from the student's: training line " + (i + 1)
                        + " tokenizes differently; LEAP distillation needs one shared tokenizer");
            }
            for (int id : a.ids()) {
                if (id >= teacherVocab) throw new IllegalArgumentException("token id " + id + " is outside the teacher's vocabulary (" + teacherVocab + ")");
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
