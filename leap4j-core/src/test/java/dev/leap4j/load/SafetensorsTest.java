package dev.leap4j.load;

import dev.leap4j.model.Tensor;
import dev.leap4j.api.ModelFormatException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {
    @TempDir
    Path tmp;
    private final long seed = dev.leap4j.TestSeed.next();
    private final SplittableRandom rnd = new SplittableRandom(seed);

    private List<Tensor> randomTensors() {
        List<Tensor> ts = new ArrayList<>();
        int count = 1 + rnd.nextInt(6);
        for (int t = 0; t < count; t++) {
            int rank = rnd.nextInt(4);
            int[] shape = new int[rank];
            int n = 1;
            for (int d = 0; d < rank; d++) {
                shape[d] = rnd.nextInt(8) == 0 ? 0 : 1 + rnd.nextInt(13);
                n *= shape[d];
            }
            float[] data = new float[n];
            for (int i = 0; i < n; i++) data[i] = Float.intBitsToFloat(rnd.nextInt()) ; // any bit pattern, NaNs included
            ts.add(new Tensor("layer." + t + ".w" + rnd.nextInt(1000), shape, data));
        }
        return ts;
    }

    @Test
    void f32RoundTripIsExactAndKeepsOrder() throws IOException {
        for (int trial = 0; trial < 5; trial++) {
            List<Tensor> ts = randomTensors();
            Path f = tmp.resolve("m" + trial + ".safetensors");
            Safetensors.write(f, ts);
            try (FileChannel ch = FileChannel.open(f)) {
                ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(b, 0);
                assertEquals(0, b.flip().getLong() % 8, "header length is 8-byte aligned so tensors are too");
            }
            Map<String, Tensor> back = Safetensors.read(f);
            assertEquals(ts.stream().map(Tensor::name).toList(), new ArrayList<>(back.keySet()), "seed " + seed);
            for (Tensor t : ts) {
                Tensor r = back.get(t.name());
                assertArrayEquals(t.shape(), r.shape(), t.name());
                int[] want = new int[t.data().length], got = new int[r.data().length];
                for (int i = 0; i < want.length; i++) want[i] = Float.floatToRawIntBits(t.data()[i]);
                for (int i = 0; i < got.length; i++) got[i] = Float.floatToRawIntBits(r.data()[i]);
                assertArrayEquals(want, got, t.name() + " bits (seed " + seed + ")");
            }
        }
    }

    /** A file laid out by hand: 8-byte little-endian header length, JSON header, raw little-endian data. */
    private Path handWritten(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path f = Files.createTempFile(tmp, "hand", ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    @Test
    void readsF16AndBf16() throws IOException {
        float[] values = {0f, 1f, -2.5f, 0.099975586f, 65504f, -0.0009765625f};
        ByteBuffer d = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) d.putShort(Float.floatToFloat16(v));
        float[] bf = {1f, -3.140625f, 1.0e20f, -1.0e-20f, 0f, 256f};
        float[] bfExact = new float[bf.length];
        for (int i = 0; i < bf.length; i++) {
            short s = (short) (Float.floatToRawIntBits(bf[i]) >>> 16);
            bfExact[i] = Float.intBitsToFloat((s & 0xffff) << 16);
            d.putShort(s);
        }
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"half\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,12]},"
                + "\"brain\":{\"dtype\":\"BF16\",\"shape\":[6],\"data_offsets\":[12,24]}}";
        Map<String, Tensor> ts = Safetensors.read(handWritten(header, d.array()));
        assertEquals(2, ts.size());
        assertArrayEquals(new int[]{2, 3}, ts.get("half").shape());
        float[] expectedHalf = new float[values.length];
        for (int i = 0; i < values.length; i++) expectedHalf[i] = Float.float16ToFloat(Float.floatToFloat16(values[i]));
        assertArrayEquals(expectedHalf, ts.get("half").data());
        assertEquals(-2.5f, ts.get("half").data()[2]);
        assertArrayEquals(bfExact, ts.get("brain").data());
        assertEquals(-3.140625f, ts.get("brain").data()[1]);
    }

    @Test
    void truncatedFileNamesFileAndTensor() throws IOException {
        List<Tensor> ts = List.of(new Tensor("first", new int[]{4}, new float[4]), new Tensor("second.weight", new int[]{3, 5}, new float[15]));
        Path f = tmp.resolve("cut.safetensors");
        Safetensors.write(f, ts);
        long size = Files.size(f);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(size - 1 - rnd.nextInt(59)); // somewhere inside the second tensor's 60 bytes
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("second.weight"), e.getMessage());

        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(20); // inside the header
        }
        e = assertThrows(ModelFormatException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());

        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(5);
        }
        e = assertThrows(ModelFormatException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void badHeadersAreRefusedWithTheirCause() throws IOException {
        Path notJson = handWritten("{\"a\": {\"dtype\": \"F32\", ", new byte[0]);
        assertTrue(assertThrows(ModelFormatException.class, () -> Safetensors.read(notJson)).getMessage().contains(notJson.toString()));

        Path dtype = handWritten("{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
        String m = assertThrows(ModelFormatException.class, () -> Safetensors.read(dtype)).getMessage();
        assertTrue(m.contains("ids") && m.contains("I64"), m);

        Path offsets = handWritten("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", new byte[16]);
        m = assertThrows(ModelFormatException.class, () -> Safetensors.read(offsets)).getMessage();
        assertTrue(m.contains("w") && m.contains("offsets"), m);

        byte[] huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array();
        Path hugeHeader = tmp.resolve("huge.safetensors");
        Files.write(hugeHeader, huge);
        assertThrows(ModelFormatException.class, () -> Safetensors.read(hugeHeader));

        Path missing = tmp.resolve("absent.safetensors");
        assertTrue(assertThrows(ModelFormatException.class, () -> Safetensors.read(missing)).getMessage().contains(missing.toString()));
    }
}
