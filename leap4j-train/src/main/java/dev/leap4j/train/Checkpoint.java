package dev.leap4j.train;

import dev.leap4j.api.UsageException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Training state: every trainable array with its AdamW moments, the step, and the data-order generator's state
 * at the start of the current epoch. Written to a temporary file, synced and renamed over the previous one, so a
 * kill at any moment leaves either the old or the new checkpoint whole; a CRC32 trailer catches anything else.
 */
public final class Checkpoint {
    private Checkpoint() {}

    static final String FILE = "checkpoint.bin";
    private static final long MAGIC = 0x4C45415034434B31L; // "LEAP4CK1"

    /** What a checkpoint restores. */
    public record State(String fingerprint, long step, long epochRngState, List<String> names, float[][] params, float[][] m, float[][] v) {}

    public static Path file(Path outDir) {
        return outDir.resolve(FILE);
    }

    static void write(Path file, String fingerprint, long step, long epochRngState, AdamW opt) throws IOException {
        List<AdamW.Slot> slots = opt.slots();
        FloatIo.writeAtomically(file, raw -> {
            CRC32 crc = new CRC32();
            var out = new java.io.DataOutputStream(new CheckedOutputStream(raw, crc));
            out.writeLong(MAGIC);
            out.writeUTF(fingerprint);
            out.writeLong(step);
            out.writeLong(epochRngState);
            out.writeInt(slots.size());
            for (int i = 0; i < slots.size(); i++) {
                AdamW.Slot s = slots.get(i);
                out.writeUTF(s.name());
                out.writeInt(s.param().length);
                FloatIo.writeFloats(out, s.param());
                FloatIo.writeFloats(out, opt.firstMoments()[i]);
                FloatIo.writeFloats(out, opt.secondMoments()[i]);
            }
            out.flush();
            raw.writeLong(crc.getValue());
        });
    }

    public static State read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new UsageException("no checkpoint at " + file);
        try (var raw = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
            CRC32 crc = new CRC32();
            var in = new DataInputStream(new CheckedInputStream(raw, crc));
            if (in.readLong() != MAGIC) throw new UsageException(file + " is not a leap4j checkpoint");
            String fp = in.readUTF();
            long step = in.readLong();
            long rng = in.readLong();
            int n = in.readInt();
            if (n < 0 || n > 100_000) throw new UsageException(file + " is corrupt (" + n + " arrays)");
            List<String> names = new java.util.ArrayList<>();
            float[][] p = new float[n][], m = new float[n][], v = new float[n][];
            for (int i = 0; i < n; i++) {
                names.add(in.readUTF());
                int len = in.readInt();
                if (len < 0 || len > Files.size(file) / 4) throw new UsageException(file + " is corrupt (array length " + len + ")");
                p[i] = new float[len];
                m[i] = new float[len];
                v[i] = new float[len];
                FloatIo.readFloats(in, p[i]);
                FloatIo.readFloats(in, m[i]);
                FloatIo.readFloats(in, v[i]);
            }
            long expected = crc.getValue();
            if (raw.readLong() != expected) throw new UsageException(file + " is corrupt (checksum mismatch)");
            return new State(fp, step, rng, names, p, m, v);
        } catch (EOFException e) {
            throw new UsageException(file + " is truncated (corrupt checkpoint)");
        }
    }

    /** Copies a state into the optimizer's arrays after checking every name and size. */
    static void restore(State s, AdamW opt) {
        List<AdamW.Slot> slots = opt.slots();
        if (s.names().size() != slots.size()) throw new UsageException("checkpoint has " + s.names().size() + " arrays, this run trains " + slots.size());
        for (int i = 0; i < slots.size(); i++) {
            AdamW.Slot sl = slots.get(i);
            if (!sl.name().equals(s.names().get(i)) || sl.param().length != s.params()[i].length) {
                throw new UsageException("checkpoint array " + i + " is " + s.names().get(i) + "[" + s.params()[i].length + "], this run has "
                        + sl.name() + "[" + sl.param().length + "]");
            }
        }
        for (int i = 0; i < slots.size(); i++) {
            System.arraycopy(s.params()[i], 0, slots.get(i).param(), 0, s.params()[i].length);
            System.arraycopy(s.m()[i], 0, opt.firstMoments()[i], 0, s.m()[i].length);
            System.arraycopy(s.v()[i], 0, opt.secondMoments()[i], 0, s.v()[i].length);
        }
    }
}
