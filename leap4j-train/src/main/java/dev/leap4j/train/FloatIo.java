package dev.leap4j.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Bulk float I/O (little endian) and the write-to-temp-then-rename discipline for training state files. */
final class FloatIo {
    private FloatIo() {}

    private static final int CHUNK = 1 << 16;

    static void writeFloats(DataOutputStream out, float[] a) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(4 * Math.min(a.length, CHUNK)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < a.length; i += CHUNK) {
            int n = Math.min(CHUNK, a.length - i);
            bb.clear();
            bb.asFloatBuffer().put(a, i, n);
            out.write(bb.array(), 0, 4 * n);
        }
    }

    static void readFloats(DataInputStream in, float[] a) throws IOException {
        byte[] buf = new byte[4 * Math.min(a.length, CHUNK)];
        ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < a.length; i += CHUNK) {
            int n = Math.min(CHUNK, a.length - i);
            in.readFully(buf, 0, 4 * n);
            bb.clear();
            bb.asFloatBuffer().get(a, i, n);
        }
    }

    /** Content written by body, made durable, then renamed over target in one step: a reader sees old or new, never half. */
    interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    static void writeAtomically(Path target, Body body) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
             DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 20))) {
            body.write(out);
            out.flush();
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // the rename itself must survive a crash
        } catch (IOException ignored) {
            // some file systems cannot sync a directory; the rename is still atomic
        }
    }
}
