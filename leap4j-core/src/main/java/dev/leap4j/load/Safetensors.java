package dev.leap4j.load;

import dev.leap4j.model.Tensor;
import dev.leap4j.api.ModelFormatException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads and writes the safetensors format (F32 written; F32, F16 and BF16 read). */
public final class Safetensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Safetensors() {}

    public static Map<String, Tensor> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new ModelFormatException("missing model file " + file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new ModelFormatException(file + " is truncated: " + size + " bytes, no safetensors header");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > 100_000_000 || 8 + headerLen > size) {
                throw new ModelFormatException(file + " is not a safetensors file or is truncated (header length " + headerLen + ", file " + size + " bytes)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new ModelFormatException(file + " has an unreadable safetensors header: " + e.getMessage());
            }
            long dataStart = 8 + headerLen;
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                if (name.equals("__metadata__")) continue;
                JsonNode t = e.getValue();
                String dtype = t.path("dtype").asText();
                JsonNode shapeNode = t.path("shape");
                int[] shape = new int[shapeNode.size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeNode.get(i).asInt();
                    count *= shape[i];
                }
                long begin = t.path("data_offsets").path(0).asLong(-1), end = t.path("data_offsets").path(1).asLong(-1);
                int width = switch (dtype) {
                    case "F32" -> 4;
                    case "F16", "BF16" -> 2;
                    default -> throw new ModelFormatException(file + ": tensor " + name + " has unsupported dtype " + dtype + " (F32, F16, BF16 are read)");
                };
                if (begin < 0 || end - begin != count * width) {
                    throw new ModelFormatException(file + ": tensor " + name + " has data offsets [" + begin + ", " + end + ") that do not fit its shape and dtype");
                }
                if (dataStart + end > size) {
                    throw new ModelFormatException(file + " is truncated: tensor " + name + " needs bytes up to " + (dataStart + end) + " but the file has " + size);
                }
                ByteBuffer buf = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, buf, dataStart + begin);
                buf.flip();
                float[] data = new float[(int) count];
                switch (dtype) {
                    case "F32" -> buf.asFloatBuffer().get(data);
                    case "F16" -> {
                        for (int i = 0; i < data.length; i++) data[i] = Float.float16ToFloat(buf.getShort());
                    }
                    default -> {
                        for (int i = 0; i < data.length; i++) data[i] = Float.intBitsToFloat((buf.getShort() & 0xffff) << 16);
                    }
                }
                out.put(name, new Tensor(name, shape, data));
            }
            return out;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) throw new ModelFormatException("unexpected end of file while reading safetensors data");
            pos += n;
        }
    }

    /** Writes tensors as F32 in the given order; the caller handles atomic placement. */
    public static void write(Path file, Iterable<Tensor> tensors) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Tensor t : tensors) {
            ObjectNode n = header.putObject(t.name());
            n.put("dtype", "F32");
            var shape = n.putArray("shape");
            for (int d : t.shape()) shape.add(d);
            var offs = n.putArray("data_offsets");
            offs.add(offset);
            offset += 4L * t.data().length;
            offs.add(offset);
        }
        header.putObject("__metadata__").put("format", "pt");
        byte[] hb = JSON.writeValueAsBytes(header);
        int padded = (hb.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        java.util.Arrays.fill(headerBytes, (byte) ' ');
        System.arraycopy(hb, 0, headerBytes, 0, hb.length);
        try (OutputStream os = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer lb = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            os.write(lb.array());
            os.write(headerBytes);
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : tensors) {
                for (float v : t.data()) {
                    if (!chunk.hasRemaining()) {
                        os.write(chunk.array(), 0, chunk.position());
                        chunk.clear();
                    }
                    chunk.putFloat(v);
                }
            }
            os.write(chunk.array(), 0, chunk.position());
        }
    }
}
