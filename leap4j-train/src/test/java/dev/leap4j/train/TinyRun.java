package dev.leap4j.train;

import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.load.BuiltinModel;
import dev.leap4j.load.ModelFolder;
import dev.leap4j.model.Pooling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Tiny student/teacher folders (a real tokenizer, random weights) and a small text file, for end-to-end runs. */
final class TinyRun {
    static final String[] WORDS = {"the", "river", "city", "music", "game", "played", "built", "north", "of", "in", "a", "team",
            "school", "station", "was", "is", "first", "new", "album", "church", "war", "population", "village", "season"};

    static Path tokenizer() throws IOException {
        return BuiltinModel.ALL_MINILM_L6_V2.folder(Path.of("target/model-cache")).resolve("tokenizer.json");
    }

    static BertConfig config(int hidden, int layers) {
        return new BertConfig(30522, hidden, layers, 2, 2 * hidden, 32, 2, 1e-12f, Pooling.MEAN, true, 32);
    }

    /** student: 3 layers, width 16; teacher: 4 layers, width 24 (exercises the projection). */
    static void writeModels(Path root, long seed) throws IOException {
        BertConfig s = config(16, 3), t = config(24, 4);
        ModelFolder.write(root.resolve("student"), s, BertWeights.random(s, seed), tokenizer());
        ModelFolder.write(root.resolve("teacher"), t, BertWeights.random(t, seed + 1), tokenizer());
    }

    static List<String> sentences(int n, long seed) {
        Random rnd = new Random(seed);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            int len = 3 + rnd.nextInt(10);
            for (int w = 0; w < len; w++) sb.append(w == 0 ? "" : " ").append(WORDS[rnd.nextInt(WORDS.length)]);
            out.add(sb.append('.').toString());
        }
        return out;
    }

    static Path writeData(Path root, int n, long seed) throws IOException {
        Path f = root.resolve("data.txt");
        Files.write(f, sentences(n, seed));
        return f;
    }

    static TrainSettings settings(long steps, int checkpointEvery, double lr) {
        LossSettings ls = LossSettings.paper(3, 4);
        return new TrainSettings(Objective.LEAP, ls, 4, 16, 1, steps, lr, 0.2, 0.01, 1.0, 7, checkpointEvery, false);
    }

    static Trainer.Result train(Path root, Path out, TrainSettings s, boolean resume, int threads, TrainListener l) throws IOException {
        List<String> texts = TrainingData.read(root.resolve("data.txt"), 0);
        return Trainer.run(s, ModelFolder.load(root.resolve("student")), ModelFolder.load(root.resolve("teacher")), texts, out, resume, threads, l);
    }

    /**
     * Settings whose checkpoint dominates each step: the word embeddings are trained too (30522 x 16 floats, with
     * their two AdamW moments), written and synced after every step, so a kill at a random moment often lands inside
     * the checkpoint write.
     */
    static TrainSettings heavyCheckpoints(long steps) {
        return new TrainSettings(Objective.LEAP, LossSettings.paper(3, 4), 4, 16, 1, steps, 1e-3, 0.2, 0.01, 1.0, 7, 1, true);
    }

    /**
     * Child-JVM entry point for the kill tests: root out steps [heavy]. By default it sleeps after each step so the
     * parent can kill it mid-run; "heavy" runs {@link #heavyCheckpoints} flat out.
     */
    public static void main(String[] args) throws IOException {
        Path root = Path.of(args[0]), out = Path.of(args[1]);
        long steps = Long.parseLong(args[2]);
        if (args.length > 3 && args[3].equals("heavy")) {
            train(root, out, heavyCheckpoints(steps), false, 2, TrainListener.NONE);
            return;
        }
        boolean resume = args.length > 3 && args[3].equals("resume");
        train(root, out, settings(steps, 1, 1e-3), resume, 2, new TrainListener() {
            @Override
            public void step(StepReport r, long n) {
                try {
                    Thread.sleep(40);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }
}
