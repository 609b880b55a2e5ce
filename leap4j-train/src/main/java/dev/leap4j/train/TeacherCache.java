package dev.leap4j.train;

import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;
import dev.leap4j.model.BertAttention;
import dev.leap4j.model.BertEmbeddings;
import dev.leap4j.model.BertLayer;
import dev.leap4j.model.Pooling;
import dev.leap4j.model.EncoderStack;
import dev.leap4j.model.LayerBuffers;
import dev.leap4j.model.PackedBatch;
import dev.leap4j.model.Pooling;
import dev.leap4j.tensor.Parallel;
import dev.leap4j.tokenize.TokenizedText;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The teacher's masked-mean pooled states for every training input, computed once (the teacher is frozen) and
 * cached in a file keyed by a hash of the teacher's weights, the token ids and the layers kept. A changed data file
 * or teacher simply misses the cache.
 */
public final class TeacherCache {
    private TeacherCache() {}

    private static final long MAGIC = 0x4C45415034544331L; // "LEAP4TC1"

    /** layers[k] = teacher layer (1-based); states[k] = (n, Ct) pooled after that layer. */
    public record States(int[] layers, int width, float[][] states) {
        public float[] at(int layer) {
            for (int k = 0; k < layers.length; k++) if (layers[k] == layer) return states[k];
            throw new IllegalArgumentException("teacher layer " + layer + " was not cached");
        }
    }

    /** SHA-256 over token ids (with row boundaries): identifies the tokenized training data. */
    public static String dataHash(List<TokenizedText> data) {
        MessageDigest md = sha256();
        ByteBuffer bb = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        for (TokenizedText t : data) {
            bb.clear();
            bb.putInt(t.length());
            md.update(bb.array(), 0, 4);
            ByteBuffer ids = ByteBuffer.allocate(8 * t.length()).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < t.length(); i++) ids.putInt(t.ids()[i]).putInt(t.typeIds()[i]);
            md.update(ids.array());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** SHA-256 over a model's configuration and every parameter's bytes. */
    public static String weightsHash(BertWeights w) {
        MessageDigest md = sha256();
        md.update(w.config.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        ByteBuffer bb = ByteBuffer.allocate(4 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (BertWeights.Param p : w.parameters()) {
            float[] a = p.data();
            for (int i = 0; i < a.length; i += 1 << 16) {
                int n = Math.min(1 << 16, a.length - i);
                bb.clear();
                bb.asFloatBuffer().put(a, i, n);
                md.update(bb.array(), 0, 4 * n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Loads the cache from file if its key matches, else runs the teacher and writes the file. */
    public static States loadOrCompute(Path file, BertWeights teacher, String dataHash, List<TokenizedText> data, int[] layers,
                                       Parallel pool, int batchSize, TrainListener listener) throws IOException {
        return loadOrCompute(file, teacher, dataHash, data, layers, Pooling.MEAN, pool, batchSize, listener);
    }

    /** As above with the pooling the student's loss uses; a cache made with other pooling is recomputed. */
    public static States loadOrCompute(Path file, BertWeights teacher, String dataHash, List<TokenizedText> data, int[] layers,
                                       Pooling pooling, Parallel pool, int batchSize, TrainListener listener) throws IOException {
        // the mean-pooled key keeps its old form, so caches written before CLS pooling existed stay valid
        String key = weightsHash(teacher) + "/" + dataHash + "/" + Arrays.toString(layers) + (pooling == Pooling.MEAN ? "" : "/" + pooling);
        int C = teacher.config.hidden();
        if (Files.isRegularFile(file)) {
            States s = tryRead(file, key, data.size(), layers, C);
            if (s != null) return s;
        }
        States s = compute(teacher, data, layers, pooling, pool, batchSize, listener);
        FloatIo.writeAtomically(file, out -> {
            out.writeLong(MAGIC);
            out.writeUTF(key);
            out.writeInt(data.size());
            out.writeInt(C);
            for (float[] st : s.states()) FloatIo.writeFloats(out, st);
        });
        return s;
    }

    private static States tryRead(Path file, String key, int n, int[] layers, int C) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
            if (in.readLong() != MAGIC || !in.readUTF().equals(key) || in.readInt() != n || in.readInt() != C) return null;
            float[][] st = new float[layers.length][n * C];
            for (float[] a : st) FloatIo.readFloats(in, a);
            return new States(layers.clone(), C, st);
        } catch (java.io.EOFException | java.io.UTFDataFormatException e) {
            return null; // a stale or torn cache is recomputed, never trusted
        }
    }

    static States compute(BertWeights teacher, List<TokenizedText> data, int[] layers, Pooling pooling, Parallel pool, int batchSize,
                          TrainListener listener) {
        BertConfig c = teacher.config;
        int C = c.hidden(), n = data.size();
        int maxLayer = Arrays.stream(layers).max().orElseThrow();
        if (maxLayer > c.numLayers()) throw new IllegalArgumentException("teacher has " + c.numLayers() + " layers, layer " + maxLayer + " requested");
        float[][] st = new float[layers.length][n * C];
        int maxLen = data.stream().mapToInt(TokenizedText::length).max().orElse(1);
        int cap = batchSize * maxLen;
        EncoderStack.Buffers buf = EncoderStack.Buffers.inference(new float[cap * C], LayerBuffers.forInference(cap, c),
                BertAttention.scratch(c, pool.threads(), maxLen));
        for (int i = 0; i < n; i += batchSize) {
            PackedBatch b = PackedBatch.of(data.subList(i, Math.min(n, i + batchSize)));
            for (int t = 0; t < b.tokens(); t++) {
                if (b.ids()[t] >= c.vocabSize()) throw new IllegalArgumentException("token id " + b.ids()[t] + " is outside the teacher's vocabulary (" + c.vocabSize() + ")");
            }
            int first = i;
            EncoderStack.run(teacher, pool, b, buf, maxLayer, (l, x, batch) -> {
                for (int k = 0; k < layers.length; k++) {
                    if (layers[k] != l) continue;
                    for (int r = 0; r < batch.rows(); r++) {
                        pooling.forward(x, C, batch.offsets()[r], batch.lens()[r], st[k], (first + r) * C);
                    }
                }
                return true;
            });
            listener.teacherProgress(Math.min(n, i + batchSize), n);
        }
        return new States(layers.clone(), C, st);
    }
}
