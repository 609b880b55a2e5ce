package dev.leap4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.load.ModelFolder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    @TempDir
    static Path root;
    static final long SEED = dev.leap4j.TestSeed.next();
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void setUp() throws IOException {
        TinyRun.writeModels(root, SEED);
        TinyRun.writeData(root, 24, SEED);
    }

    static byte[] weights(Path out) throws IOException {
        return Files.readAllBytes(out.resolve("model.safetensors"));
    }

    /** Log lines without wall-clock fields: what must be identical between runs. */
    static List<String> logWithoutTimes(Path out) throws IOException {
        List<String> r = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve(Trainer.LOG))) {
            var n = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(line);
            n.remove("elapsed_s");
            n.remove("tokens_per_s");
            r.add(n.toString());
        }
        return r;
    }

    @Test
    void producesALoadableModelFolderAndALog() throws IOException {
        Path out = root.resolve("plain");
        Trainer.Result r = TinyRun.train(root, out, TinyRun.settings(6, 2, 1e-3), false, 2, TrainListener.NONE);
        assertEquals(6, r.steps());
        ModelFolder m = ModelFolder.load(out);
        for (String f : new String[]{"config.json", "tokenizer.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        assertTrue(Files.isDirectory(out.resolve("2_Normalize")), "every module folder named in modules.json exists");
        assertEquals(3, m.config().numLayers());
        assertFalse(java.util.Arrays.equals(weights(out), Files.readAllBytes(root.resolve("student/model.safetensors"))), "training changed the weights");
        List<String> log = Files.readAllLines(out.resolve(Trainer.LOG));
        assertEquals(6, log.size());
        JsonNode first = JSON.readTree(log.get(0));
        for (String f : new String[]{"loss", "final", "inter", "exit", "contrast", "lr", "grad_norm", "tokens_per_s"}) assertTrue(first.has(f), f);
        try (EarlyExitEncoder enc = new EarlyExitEncoder(m, 1)) {
            var e = enc.embed(List.of("the river city.", "a new album"), ExitPolicy.uncalibrated(3).withTheta(ExitPolicy.PAPER_THETA), 2);
            assertEquals(16, e.get(0).vector().length);
        }
        // the projection to the wider teacher is training-only
        assertFalse(new String(Files.readAllBytes(out.resolve("model.safetensors")), 0, 4096, java.nio.charset.StandardCharsets.ISO_8859_1).contains("projection"));
    }

    @Test
    void bitReproducibleAcrossRunsAndThreadCounts() throws IOException {
        Path a = root.resolve("det1"), b = root.resolve("det2");
        TinyRun.train(root, a, TinyRun.settings(5, 5, 1e-3), false, 1, TrainListener.NONE);
        TinyRun.train(root, b, TinyRun.settings(5, 5, 1e-3), false, 3, TrainListener.NONE);
        assertArrayEquals(weights(a), weights(b));
        assertEquals(logWithoutTimes(a), logWithoutTimes(b));
    }

    @Test
    void resumeAfterAnInterruptionEqualsAnUninterruptedRun() throws IOException {
        Path full = root.resolve("full"), cut = root.resolve("cut");
        TrainSettings s = TinyRun.settings(9, 2, 1e-3); // 6 batches per epoch: the resume crosses an epoch boundary
        TinyRun.train(root, full, s, false, 2, TrainListener.NONE);
        int stopAt = 3 + new Random(SEED).nextInt(5);
        RuntimeException crash = assertThrows(RuntimeException.class, () -> TinyRun.train(root, cut, s, false, 2, new TrainListener() {
            @Override
            public void step(StepReport r, long n) {
                if (r.step() == stopAt) throw new RuntimeException("simulated crash");
            }
        }));
        assertEquals("simulated crash", crash.getMessage());
        TinyRun.train(root, cut, s, true, 2, TrainListener.NONE);
        assertArrayEquals(weights(full), weights(cut));
        assertEquals(logWithoutTimes(full), logWithoutTimes(cut));
    }

    @Test
    void killMinus9AtAnyMomentThenResumeEqualsAnUninterruptedRun() throws Exception {
        Path full = root.resolve("kfull"), killed = root.resolve("killed");
        long steps = 14;
        TinyRun.train(root, full, TinyRun.settings(steps, 1, 1e-3), false, 2, TrainListener.NONE);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), TinyRun.class.getName(), root.toString(), killed.toString(), String.valueOf(steps))
                .redirectErrorStream(true).redirectOutput(root.resolve("child.log").toFile()).start();
        Random rnd = new Random(SEED);
        int killAfter = 2 + rnd.nextInt(6);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Path log = killed.resolve(Trainer.LOG);
        while (p.isAlive() && System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readAllLines(log).size() >= killAfter) break;
            Thread.sleep(5);
        }
        Thread.sleep(rnd.nextInt(40)); // anywhere inside the next step, checkpoint write included
        assertTrue(p.isAlive(), "the child finished or died before it could be killed: " + Files.readString(root.resolve("child.log")));
        p.destroyForcibly().waitFor();
        assertFalse(Files.exists(killed.resolve("model.safetensors")), "killed before the end");
        TinyRun.train(root, killed, TinyRun.settings(steps, 1, 1e-3), true, 2, TrainListener.NONE);
        assertArrayEquals(weights(full), weights(killed));
        assertEquals(logWithoutTimes(full), logWithoutTimes(killed));
    }

    /**
     * Kills at random moments of a run whose checkpoint write (6 MB, synced) takes most of each step, so many kills
     * land inside a write (a leftover temporary file shows it) or inside the teacher cache's: every time, the files
     * left are whole and the resumed run equals the uninterrupted one bit for bit.
     */
    @Test
    void killsInsideCheckpointAndTeacherCacheWritesResumeBitForBit() throws Exception {
        long steps = 10;
        Path full = root.resolve("hfull");
        TinyRun.train(root, full, TinyRun.heavyCheckpoints(steps), false, 2, TrainListener.NONE);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        long seed = dev.leap4j.TestSeed.next();
        Random rnd = new Random(seed);
        int insideWrites = 0, kills = 0;
        for (int attempt = 0; attempt < 14 && insideWrites < 3; attempt++) {
            Path killed = root.resolve("hkilled" + attempt);
            Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), TinyRun.class.getName(), root.toString(), killed.toString(), String.valueOf(steps), "heavy")
                    .redirectErrorStream(true).redirectOutput(root.resolve("hchild.log").toFile()).start();
            Path log = killed.resolve(Trainer.LOG);
            int afterLines = rnd.nextInt(6); // 0: anywhere from the teacher pass on
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (p.isAlive() && System.nanoTime() < deadline) {
                if (afterLines == 0 ? Files.isDirectory(killed) : Files.exists(log) && Files.readAllLines(log).size() >= afterLines) break;
                Thread.sleep(1);
            }
            Thread.sleep(rnd.nextInt(30));
            if (!p.isAlive()) continue; // finished before the kill: nothing to learn from this attempt
            p.destroyForcibly().waitFor();
            kills++;
            boolean inside = Files.exists(killed.resolve(Checkpoint.FILE + ".tmp")) || Files.exists(killed.resolve(Trainer.TEACHER_CACHE + ".tmp"));
            if (inside) insideWrites++;
            if (Files.exists(Checkpoint.file(killed))) Checkpoint.read(Checkpoint.file(killed)); // whole, or this throws
            TinyRun.train(root, killed, TinyRun.heavyCheckpoints(steps), Files.exists(Checkpoint.file(killed)), 2, TrainListener.NONE);
            String what = "seed " + seed + ", attempt " + attempt + (inside ? " (killed inside a write)" : "");
            assertArrayEquals(weights(full), weights(killed), what);
            assertEquals(logWithoutTimes(full), logWithoutTimes(killed), what);
        }
        System.out.printf("kill test: %d kills, %d inside a checkpoint or teacher-cache write (seed %d)%n", kills, insideWrites, seed);
        assertTrue(kills >= 3, "seed " + seed + ": only " + kills + " kills landed before the runs ended");
        assertTrue(insideWrites >= 1, "seed " + seed + ": none of " + kills + " kills landed inside a write; the test proves too little");
    }

    @Test
    void nanLossStopsWithAClearMessageAndKeepsTheCheckpoint() throws IOException {
        Path out = root.resolve("nan");
        // a learning rate of 1e30 overflows the weights after the first update
        TrainingStoppedException e = assertThrows(TrainingStoppedException.class,
                () -> TinyRun.train(root, out, TinyRun.settings(6, 1, 1e30), false, 2, TrainListener.NONE));
        assertTrue(e.getMessage().contains("not finite") && e.getMessage().contains("intact"), e.getMessage());
        Checkpoint.State st = Checkpoint.read(Checkpoint.file(out));
        assertTrue(st.step() >= 1, "the last good checkpoint survives");
        for (float[] a : st.params()) for (float v : a) assertTrue(Float.isFinite(v));
        assertFalse(Files.exists(out.resolve("model.safetensors")));
    }

    @Test
    void refusesToOverwriteACheckpointOrResumeWithOtherSettings() throws IOException {
        Path out = root.resolve("guard");
        TinyRun.train(root, out, TinyRun.settings(2, 1, 1e-3), false, 1, TrainListener.NONE);
        byte[] ckpt = Files.readAllBytes(Checkpoint.file(out));
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> TinyRun.train(root, out, TinyRun.settings(2, 1, 1e-3), false, 1, TrainListener.NONE));
        assertTrue(a.getMessage().contains("--resume"), a.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                () -> TinyRun.train(root, out, TinyRun.settings(4, 1, 2e-3), true, 1, TrainListener.NONE));
        assertTrue(b.getMessage().contains("other settings"), b.getMessage());
        assertArrayEquals(ckpt, Files.readAllBytes(Checkpoint.file(out)), "a refused run leaves the checkpoint alone");
        assertThrows(IllegalArgumentException.class, () -> TinyRun.train(root, root.resolve("none"), TinyRun.settings(2, 1, 1e-3), true, 1, TrainListener.NONE));
    }

    @Test
    void teacherWithAnotherTokenizerIsRefused() throws IOException {
        Path other = root.resolve("other-teacher");
        Files.createDirectories(other);
        for (String f : new String[]{"config.json", "model.safetensors", "modules.json", "sentence_bert_config.json"}) {
            Files.copy(root.resolve("teacher").resolve(f), other.resolve(f));
        }
        Files.createDirectories(other.resolve("1_Pooling"));
        Files.copy(root.resolve("teacher/1_Pooling/config.json"), other.resolve("1_Pooling/config.json"));
        // same file, two vocabulary entries swapped: a different tokenizer that looks alike
        var tok = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(TinyRun.tokenizer().toFile());
        var vocab = (com.fasterxml.jackson.databind.node.ObjectNode) tok.path("model").path("vocab");
        int the = vocab.get("the").asInt(), a = vocab.get("a").asInt();
        vocab.put("the", a);
        vocab.put("a", the);
        JSON.writeValue(other.resolve("tokenizer.json").toFile(), tok);
        List<String> texts = TrainingData.read(root.resolve("data.txt"), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Trainer.run(TinyRun.settings(2, 1, 1e-3),
                ModelFolder.load(root.resolve("student")), ModelFolder.load(other), texts, root.resolve("tok-out"), false, 1, TrainListener.NONE));
        assertTrue(e.getMessage().contains("tokenizer"), e.getMessage());
        assertFalse(Files.exists(root.resolve("tok-out").resolve("checkpoint.bin")));
    }

    @Test
    void badDataFilesAreReportedWithTheLine() throws IOException {
        Path empty = root.resolve("empty.txt");
        Files.writeString(empty, "");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainingData.read(empty, 0)).getMessage().contains("empty"));
        Path blank = root.resolve("blank.txt");
        Files.writeString(blank, "one sentence.\n\nthird line.\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainingData.read(blank, 0)).getMessage().contains("line 2"));
        Path control = root.resolve("control.txt");
        Files.writeString(control, "fine.\nalso fine.\nbad \u0001 byte.\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainingData.read(control, 0)).getMessage().contains("line 3"));
        Path binary = root.resolve("binary.txt");
        Files.write(binary, new byte[]{'o', 'k', '\n', (byte) 0xC3, (byte) 0x28, '\n'});
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainingData.read(binary, 0)).getMessage().contains("UTF-8"));
        assertEquals(2, TrainingData.read(root.resolve("data.txt"), 2).size());
        assertNotEquals(0, TrainingData.read(root.resolve("data.txt"), 0).size());
    }

    @Test
    void probeIsLoggedBeforeTrainingAndEveryNStepsAndDoesNotChangeTheResult() throws IOException {
        Path plain = root.resolve("noprobe"), probed = root.resolve("probe");
        TrainSettings s = TinyRun.settings(7, 7, 1e-3);
        TinyRun.train(root, plain, s, false, 2, TrainListener.NONE);
        List<Long> seen = new ArrayList<>();
        Probe probe = new Probe() {
            @Override
            public int every() {
                return 3;
            }

            @Override
            public java.util.Map<String, Double> measure(dev.leap4j.model.BertConfig config, dev.leap4j.model.BertWeights w) {
                seen.add((long) seen.size());
                return java.util.Map.of("first_weight", (double) w.layers[0].outBias[0]);
            }
        };
        List<String> texts = TrainingData.read(root.resolve("data.txt"), 0);
        Trainer.run(s, ModelFolder.load(root.resolve("student")), ModelFolder.load(root.resolve("teacher")), texts, probed, false, 2,
                TrainListener.NONE, probe);
        assertArrayEquals(weights(plain), weights(probed), "probing must not change the weights");
        List<Long> probeSteps = new ArrayList<>();
        double last = Double.NaN;
        for (String line : Files.readAllLines(probed.resolve(Trainer.LOG))) {
            JsonNode n = JSON.readTree(line);
            if (n.has("probe")) {
                probeSteps.add(n.get("step").asLong());
                last = n.get("probe").get("first_weight").asDouble();
            }
        }
        assertEquals(List.of(0L, 3L, 6L, 7L), probeSteps, "before the first step, every 3 steps, and after the last");
        assertEquals(ModelFolder.load(probed).weights().layers[0].outBias[0], last, 0.0, "the last probe saw the final weights");
        assertEquals(4, seen.size());
    }
}
