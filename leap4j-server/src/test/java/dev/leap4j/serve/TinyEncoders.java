package dev.leap4j.serve;

import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.load.BuiltinModel;
import dev.leap4j.model.Pooling;
import dev.leap4j.tokenize.TextTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Random-weight encoders with a real tokenizer: fast, and deterministic per seed. */
final class TinyEncoders {
    static final int LAYERS = 4;
    static final int MAX_LENGTH = 48;

    private TinyEncoders() {}

    static Path tokenizerJson() {
        try {
            return BuiltinModel.ALL_MINILM_L6_V2.folder(Path.of("target/model-cache")).resolve("tokenizer.json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BertConfig config() {
        return new BertConfig(30522, 32, LAYERS, 2, 64, 128, 2, 1e-12f, Pooling.MEAN, true, MAX_LENGTH);
    }

    /** A fresh encoder over weights from seed; two calls with one seed compute the same function. */
    static EarlyExitEncoder create(long seed, int threads) {
        BertConfig cfg = config();
        try {
            return new EarlyExitEncoder(cfg, BertWeights.random(cfg, seed), TextTokenizer.load(tokenizerJson(), MAX_LENGTH), threads, "tiny-" + seed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A policy under which roughly half of these texts exit before the last layer: theta is the median
     * cosine between layers 2 and 3, and layer 3 the first allowed exit.
     */
    static ExitPolicy mixedPolicy(EarlyExitEncoder enc, List<String> texts) {
        float[][][] trace = enc.trace(enc.tokenizer().encodeAll(texts));
        double[] cos = new double[trace.length];
        for (int i = 0; i < trace.length; i++) cos[i] = EarlyExitEncoder.cosine(trace[i][2], 0, trace[i][1], 0, trace[i][1].length);
        java.util.Arrays.sort(cos);
        return new ExitPolicy(cos[cos.length / 2], 3, 1);
    }

    private static final String[] WORDS = ("the a quick brown fox jumps over lazy dog cat sat on mat early exit layer model embedding "
            + "server batch token queue river mountain coffee physics protein cell virus market bank rate über naïve 東京 café 42 2024 ?! ,").split(" ");

    /** Texts of mixed lengths, a few longer than MAX_LENGTH tokens (so they get truncated). */
    static List<String> texts(Random rnd, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int words = rnd.nextInt(10) == 0 ? 60 + rnd.nextInt(40) : 1 + rnd.nextInt(25);
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < words; w++) sb.append(w == 0 ? "" : " ").append(WORDS[rnd.nextInt(WORDS.length)]);
            out.add(sb.toString());
        }
        return out;
    }
}
