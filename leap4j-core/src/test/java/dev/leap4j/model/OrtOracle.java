package dev.leap4j.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ONNX Runtime on the original ONNX file, the parity oracle. Optionally exposes every encoder layer's output
 * as an extra graph output (appended to GraphProto.output by re-encoding the protobuf), so each layer's hidden
 * state can be compared, not only the last.
 */
public final class OrtOracle implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final int layers;
    private final boolean withLayers;

    public OrtOracle(byte[] onnx, int layers, boolean withLayers, int threads) throws OrtException {
        this.layers = layers;
        this.withLayers = withLayers;
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        opts.setIntraOpNumThreads(threads);
        opts.setInterOpNumThreads(1);
        byte[] model = withLayers ? withLayerOutputs(onnx, layers) : onnx;
        session = env.createSession(model, opts);
    }

    static String layerOutput(int l) {
        return "/encoder/layer." + l + "/output/LayerNorm/Add_1_output_0";
    }

    /** hidden[l][t][c]: l = 0..layers-1 each layer's output (only the last unless withLayers). One input, batch 1. */
    public float[][][] run(int[] ids) throws OrtException {
        long[][] idArr = new long[1][ids.length], mask = new long[1][ids.length], types = new long[1][ids.length];
        for (int i = 0; i < ids.length; i++) {
            idArr[0][i] = ids[i];
            mask[0][i] = 1;
        }
        try (OnnxTensor a = OnnxTensor.createTensor(env, idArr); OnnxTensor b = OnnxTensor.createTensor(env, mask);
             OnnxTensor c = OnnxTensor.createTensor(env, types)) {
            Map<String, OnnxTensor> in = new HashMap<>();
            in.put("input_ids", a);
            in.put("attention_mask", b);
            in.put("token_type_ids", c);
            Set<String> outs = new LinkedHashSet<>();
            if (withLayers) for (int l = 0; l < layers - 1; l++) outs.add(layerOutput(l));
            outs.add("last_hidden_state");
            try (OrtSession.Result r = session.run(in, outs)) {
                float[][][] hidden = new float[layers][][];
                int i = withLayers ? 0 : layers - 1;
                for (String o : outs) hidden[i++] = ((float[][][]) r.get(o).orElseThrow().getValue())[0];
                return hidden;
            }
        }
    }

    /** A padded batch through the plain graph: last_hidden_state (B, T, C). For benchmarks. */
    public float[][][] runBatch(long[][] ids, long[][] mask) throws OrtException {
        long[][] types = new long[ids.length][ids[0].length];
        try (OnnxTensor a = OnnxTensor.createTensor(env, ids); OnnxTensor b = OnnxTensor.createTensor(env, mask);
             OnnxTensor c = OnnxTensor.createTensor(env, types);
             OrtSession.Result r = session.run(Map.of("input_ids", a, "attention_mask", b, "token_type_ids", c))) {
            return (float[][][]) r.get(0).getValue();
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }

    /** Appends ValueInfoProto{name} entries (GraphProto field 12) to the graph (ModelProto field 7). */
    static byte[] withLayerOutputs(byte[] model, int layers) {
        List<byte[]> extra = new ArrayList<>();
        for (int l = 0; l < layers - 1; l++) {
            byte[] name = layerOutput(l).getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream vi = new ByteArrayOutputStream();
            tag(vi, 1, 2);
            varint(vi, name.length);
            vi.writeBytes(name);
            ByteArrayOutputStream field = new ByteArrayOutputStream();
            tag(field, 12, 2);
            varint(field, vi.size());
            field.writeBytes(vi.toByteArray());
            extra.add(field.toByteArray());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(model.length + 4096);
        int[] pos = {0};
        while (pos[0] < model.length) {
            int start = pos[0];
            long key = readVarint(model, pos);
            int field = (int) (key >>> 3), wire = (int) (key & 7);
            switch (wire) {
                case 0 -> readVarint(model, pos);
                case 1 -> pos[0] += 8;
                case 5 -> pos[0] += 4;
                case 2 -> {
                    int len = (int) readVarint(model, pos);
                    if (field == 7) {
                        ByteArrayOutputStream g = new ByteArrayOutputStream(len + 4096);
                        g.write(model, pos[0], len);
                        for (byte[] e : extra) g.writeBytes(e);
                        tag(out, 7, 2);
                        varint(out, g.size());
                        out.writeBytes(g.toByteArray());
                        pos[0] += len;
                        continue;
                    }
                    pos[0] += len;
                }
                default -> throw new IllegalStateException("unexpected wire type " + wire);
            }
            out.write(model, start, pos[0] - start);
        }
        return out.toByteArray();
    }

    private static long readVarint(byte[] b, int[] pos) {
        long v = 0;
        int shift = 0;
        while (true) {
            byte x = b[pos[0]++];
            v |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) return v;
            shift += 7;
        }
    }

    private static void tag(ByteArrayOutputStream o, int field, int wire) {
        varint(o, ((long) field << 3) | wire);
    }

    private static void varint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7fL) != 0) {
            o.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
    }
}
