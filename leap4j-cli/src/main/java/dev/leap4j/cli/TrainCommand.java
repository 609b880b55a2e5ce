package dev.leap4j.cli;

import dev.leap4j.api.UsageException;
import dev.leap4j.eval.StsData;
import dev.leap4j.model.BertWeights;
import dev.leap4j.load.ModelFolder;
import dev.leap4j.load.ModelLocator;
import dev.leap4j.train.LeapLoss;
import dev.leap4j.train.LossSettings;
import dev.leap4j.train.Objective;
import dev.leap4j.train.StepReport;
import dev.leap4j.train.TrainListener;
import dev.leap4j.train.TrainSettings;
import dev.leap4j.train.Trainer;
import dev.leap4j.train.TrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a student encoder with the LEAP objective (or standard distillation) against a frozen teacher.",
                "The out folder becomes a normal model folder; checkpoint.bin, train-log.jsonl and teacher-cache.bin sit beside the model files."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--student", required = true, description = "built-in name or model folder to start from")
    String student;

    @Option(names = "--teacher", required = true, description = "built-in name or model folder (frozen); must share the student's tokenizer")
    String teacher;

    @Option(names = "--data", required = true, description = "UTF-8 text, one sentence per line")
    Path data;

    @Option(names = "--objective", defaultValue = "leap", description = "leap or distill (= leap without L_exit) (default leap)")
    String objective;

    @Option(names = "--out", required = true, description = "output folder")
    Path out;

    @Option(names = "--resume", description = "continue from the checkpoint in --out")
    boolean resume;

    @Option(names = "--max-examples", defaultValue = "0", description = "use only the first N lines of --data (default all)")
    int maxExamples;

    @Option(names = "--epochs", defaultValue = "1") int epochs;
    @Option(names = "--max-steps", defaultValue = "0", description = "stop after this many steps (default: --epochs passes)") long maxSteps;
    @Option(names = "--batch-size", defaultValue = "32") int batchSize;
    @Option(names = "--max-length", defaultValue = "64", description = "tokens per input during training (default 64)") int maxLength;
    @Option(names = "--lr", defaultValue = "1e-4") double lr;
    @Option(names = "--warmup", defaultValue = "0.1", description = "fraction of steps for linear warmup (default 0.1)") double warmup;
    @Option(names = "--weight-decay", defaultValue = "0.01") double weightDecay;
    @Option(names = "--clip", defaultValue = "1.0", description = "global gradient-norm clip (default 1.0)") double clip;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--checkpoint-every", defaultValue = "50", description = "steps between checkpoints (default 50)") int checkpointEvery;
    @Option(names = "--train-word-embeddings", description = "also train the word embeddings (frozen by default: a huge, sparse gradient)")
    boolean trainWords;

    // No picocli defaults for the objective's weights: an unset flag takes LossSettings.paper's value, the one place
    // the paper's numbers live.
    @Option(names = "--w-final", description = "weight of L_final (default: the paper's, 1)") Double wFinal;
    @Option(names = "--w-inter", description = "weight of L_inter (default: the paper's, 0.3)") Double wInter;
    @Option(names = "--w-exit", description = "weight of L_exit, ignored by distill (default: the paper's, 0.4)") Double wExit;
    @Option(names = "--w-contrast", description = "weight of L_contrast (default: the paper's, 0.3)") Double wContrast;
    @Option(names = "--exit-student-share", description = "L_exit = L_exit_t + share * L_exit_s (default: the paper's, 0.7)") Double share;
    @Option(names = "--tau", description = "exit margin target cosine (default: the paper's, 0.98)") Double tau;
    @Option(names = "--slope", description = "exit margin sigmoid slope (default: the paper's, 10)") Double slope;
    @Option(names = "--temperature", description = "in-batch similarity softmax temperature (default: the paper's, 0.05)") Double temperature;
    @Option(names = "--layer-weights", split = ",", description = "w_l for every student layer (default uniform 1)") double[] layerWeights;
    @Option(names = "--layer-map", split = ",", description = "L_inter pairs student:teacher, e.g. 3:6,6:12 (default l -> round(l*Lt/Ls) for l < Ls)")
    List<String> layerMap;

    @Option(names = "--w-align", defaultValue = "0", description = "weight of L_align: 1 - cos to the teacher's final embedding at layers --exit-from..--exit-to (default 0, off)")
    double wAlign;
    @Option(names = "--w-relational", defaultValue = "0", description = "weight of L_relational: in-batch similarity KL at layers --exit-from..--exit-to (default 0, off)")
    double wRelational;
    @Option(names = "--exit-from", defaultValue = "0", description = "first student layer of the exit-path terms (needed when --w-align or --w-relational > 0)")
    int exitFrom;
    @Option(names = "--exit-to", defaultValue = "0", description = "last student layer of the exit-path terms (default 0 = L-1); lower leaves the layers after it to full depth alone")
    int exitTo;
    @Option(names = "--init-layers", split = ",", description = "rebuild the student from its own layers in this order before training, e.g. 1,4,7,10,11,12,12,12,12,12,12,12 (1-based; the list length is the new depth)")
    int[] initLayers;

    @Option(names = "--path", description = "a skip path to train, its layers ascending (e.g. 2,5,7,9,10,11,12); repeat for a ladder "
            + "(include 1,2,...,L to keep full depth): each step runs every path and adds their gradients; each path is trained on "
            + "L_final and L_contrast at its last layer (set --w-inter, --w-exit to 0)")
    List<String> paths;
    @Option(names = "--path-weights", split = ",", description = "one loss weight per --path, in their order (default 1 each), e.g. 1,1,2 to favour the "
            + "third path: a path's weight scales its loss and its share of the summed gradient")
    List<Double> pathWeights;

    @Option(names = "--probe-sts", description = "STS file (e.g. ../shared/data/stsb/derived/sts-dev.tsv) measured before training and every --probe-every steps; logged to train-log.jsonl")
    Path probeSts;
    @Option(names = "--probe-every", defaultValue = "200", description = "steps between probe measurements (default 200)")
    int probeEvery;
    @Option(names = "--probe-thetas", split = ",", defaultValue = "0.90,0.93,0.95,0.97", description = "exit thresholds the probe replays (default 0.90,0.93,0.95,0.97)")
    List<Double> probeThetas;
    @Option(names = "--probe-min-layer", description = "the probe's exit min layer (default: half the depth)")
    Integer probeMinLayer;

    /** How the loss pools states. */
    enum LossPooling { MEAN, CLS, MODEL }

    @Option(names = "--loss-pooling", defaultValue = "MEAN", converter = LossPoolingConverter.class,
            description = "pooling of the states the loss compares: mean (the LEAP definition), cls, or model (the student's own) (default mean)")
    LossPooling lossPooling;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Override
    public Integer call() throws IOException {
        Objective obj = switch (objective.toLowerCase(Locale.ROOT)) {
            case "leap" -> Objective.LEAP;
            case "distill" -> Objective.DISTILL;
            default -> throw new UsageException("--objective must be leap or distill, got " + objective);
        };
        ModelFolder s = ModelLocator.load(student, Main.cacheDir());
        ModelFolder t = ModelLocator.load(teacher, Main.cacheDir());
        if (initLayers != null) {
            BertWeights w = s.weights().relayered(initLayers);
            s = new ModelFolder(s.dir(), w.config, w, s.tokenizerJson(), s.prompts());
        }
        int Ls = s.config().numLayers(), Lt = t.config().numLayers();
        double[] w = layerWeights;
        if (w == null) {
            w = new double[Ls];
            Arrays.fill(w, 1.0);
        } else if (w.length != Ls) {
            throw new UsageException("--layer-weights needs " + Ls + " values (one per student layer), got " + w.length);
        }
        int[] map = layerMap == null ? LossSettings.defaultInterMap(Ls, Lt) : parseMap(layerMap, Ls, Lt);
        LossSettings paper = LossSettings.paper(Ls, Lt);
        LossSettings loss = new LossSettings(or(wFinal, paper.wFinal()), or(wInter, paper.wInter()),
                obj == Objective.DISTILL ? 0 : or(wExit, paper.wExit()), or(wContrast, paper.wContrast()), or(share, paper.exitStudentShare()),
                or(tau, paper.tau()), or(slope, paper.slope()), or(temperature, paper.temperature()), w, map, wAlign, wRelational, exitFrom, exitTo);
        dev.leap4j.model.Pooling pooling = switch (lossPooling) {
            case MEAN -> dev.leap4j.model.Pooling.MEAN;
            case CLS -> dev.leap4j.model.Pooling.CLS;
            case MODEL -> s.config().pooling();
        };
        TrainSettings settings = new TrainSettings(obj, loss, batchSize, maxLength, epochs, maxSteps, lr, warmup, weightDecay, clip, seed,
                checkpointEvery, trainWords, pooling, paths == null ? List.of() : paths.stream().map(TrainCommand::parsePath).toList(),
                pathWeights == null ? List.of() : pathWeights);
        List<String> texts = TrainingData.read(data, maxExamples);
        int th = threads.get();
        StsProbe probe = probeSts == null ? null : new StsProbe(StsData.read(probeSts), s.tokenizerJson(), probeEvery, probeThetas, probeMinLayer, th);
        System.err.printf(Locale.ROOT, "training %s (%d layers) from teacher %s (%d layers) on %d sentences, objective %s, %d threads%n",
                student, Ls, teacher, Lt, texts.size(), obj.name().toLowerCase(Locale.ROOT), th);
        Progress progress = new Progress();
        try {
            Trainer.Result r = Trainer.run(settings, s, t, texts, out, resume, th, progress, probe);
            System.err.println();
            System.out.printf(Locale.ROOT, "trained %d steps; model folder: %s%n", r.steps(), r.modelDir());
        } catch (dev.leap4j.train.TrainingStoppedException e) {
            // only a deliberate stop is exit 3; any other exception is a fault in leap4j and goes to Main's handler
            System.err.println();
            System.err.println("leap4j: training stopped: " + e.getMessage());
            return 3;
        }
        return 0;
    }

    /** Case-insensitive names, with a one-line error listing the choices. */
    static final class LossPoolingConverter implements picocli.CommandLine.ITypeConverter<LossPooling> {
        @Override
        public LossPooling convert(String v) {
            try {
                return LossPooling.valueOf(v.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("--loss-pooling must be mean, cls or model, got " + v);
            }
        }
    }

    static int[] parsePath(String p) {
        try {
            return Arrays.stream(p.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new UsageException("--path lists layer numbers separated by commas (e.g. 2,5,7,9,10,11,12), got " + p);
        }
    }

    static int[] parseMap(List<String> pairs, int Ls, int Lt) {
        int[] map = new int[Ls];
        for (String p : pairs) {
            String[] kv = p.trim().split(":");
            try {
                if (kv.length != 2) throw new NumberFormatException();
                int a = Integer.parseInt(kv[0].trim()), b = Integer.parseInt(kv[1].trim());
                if (a < 1 || a > Ls || b < 1 || b > Lt) {
                    throw new UsageException("--layer-map pair " + p + " is out of range (student 1.." + Ls + ", teacher 1.." + Lt + ")");
                }
                map[a - 1] = b;
            } catch (NumberFormatException e) {
                throw new UsageException("--layer-map pairs look like student:teacher (e.g. 3:6), got " + p);
            }
        }
        return map;
    }

    /** One status line on stderr, redrawn in place. */
    static final class Progress implements TrainListener {
        @Override
        public void teacherProgress(int done, int total) {
            System.err.printf(Locale.ROOT, "\rteacher states %d/%d", done, total);
            if (done == total) System.err.println();
        }

        @Override
        public void resumed(long step, Path checkpoint) {
            System.err.printf(Locale.ROOT, "resumed at step %d from %s%n", step, checkpoint);
        }

        @Override
        public void probed(long step, java.util.Map<String, Double> m) {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%nprobe at step %d:", step));
            m.forEach((k, v) -> {
                if (k.equals("full") || k.endsWith(".full") || (k.endsWith(".spearman") && !k.startsWith("path")) || k.contains(".exit_by_")) b.append(String.format(Locale.ROOT, " %s %.4f", k, v));
            });
            System.err.println(b);
        }

        @Override
        public void step(StepReport r, long stepsThisProcess) {
            int width = 24;
            int fill = (int) (width * r.step() / r.totalSteps());
            LeapLoss.Terms t = r.terms();
            double eta = r.etaSeconds(stepsThisProcess);
            System.err.printf(Locale.ROOT, "\r[%s%s] %d/%d loss %.4f (final %.4f inter %.4f exit %.4f contrast %.4f align %.4f rel %.4f) lr %.2e | %.0f tok/s | ETA %s   ",
                    "#".repeat(fill), " ".repeat(width - fill), r.step(), r.totalSteps(), t.total(), t.fin(), t.inter(), t.exit(), t.contrast(), t.align(), t.relational(),
                    r.lr(), r.tokensPerSecond(), Double.isNaN(eta) ? "?" : String.format(Locale.ROOT, "%d:%02d", (long) eta / 60, (long) eta % 60));
        }
    }

    private static double or(Double given, double fallback) {
        return given != null ? given : fallback;
    }
}
