package dev.leap4j.load;

import dev.leap4j.model.BertWeightsTest;
import dev.leap4j.model.BertWeights;
import dev.leap4j.model.BertConfig;
import dev.leap4j.model.Pooling;
import dev.leap4j.model.Tensor;
import dev.leap4j.api.ModelFormatException;

import com.google.protobuf.CodedOutputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxImportTest {
    private final long seed = dev.leap4j.TestSeed.next();
    private final SplittableRandom rnd = new SplittableRandom(seed);

    // ---- a minimal ONNX writer (onnx.proto field numbers) ----

    private static byte[] message(Consumer<CodedOutputStream> fields) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            fields.accept(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private interface Fields {
        void write(CodedOutputStream out) throws IOException;
    }

    private static Consumer<CodedOutputStream> f(Fields fields) {
        return out -> {
            try {
                fields.write(out);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /** TensorProto: dims = 1, data_type = 2, float_data = 4 (packed), name = 8, raw_data = 9. */
    private static byte[] tensor(String name, int[] dims, float[] data, boolean raw) {
        return message(f(out -> {
            for (int d : dims) out.writeInt64(1, d);
            out.writeInt32(2, 1);
            if (raw) {
                ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : data) b.putFloat(v);
                out.writeByteArray(9, b.array());
            } else {
                byte[] packed = message(f(o -> {
                    for (float v : data) o.writeFloatNoTag(v);
                }));
                out.writeByteArray(4, packed);
            }
            out.writeString(8, name);
        }));
    }

    /** NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5 (AttributeProto: name = 1, t = 5). */
    private static byte[] node(String op, String name, List<String> inputs, String output, byte[] valueAttr) {
        return message(f(out -> {
            for (String i : inputs) out.writeString(1, i);
            out.writeString(2, output);
            out.writeString(3, name);
            out.writeString(4, op);
            if (valueAttr != null) {
                out.writeByteArray(5, message(f(a -> {
                    a.writeString(1, "value");
                    a.writeByteArray(5, valueAttr);
                })));
            }
        }));
    }

    /** A transformers.js-style graph: linear weights anonymous (in, out) MatMul inputs, named biases via Add. */
    private static final class Graph {
        final List<byte[]> nodes = new ArrayList<>();
        final List<byte[]> inits = new ArrayList<>();
        int counter;

        byte[] model() {
            byte[] graph = message(f(out -> {
                for (byte[] n : nodes) out.writeByteArray(1, n);
                out.writeString(2, "main_graph");
                for (byte[] t : inits) out.writeByteArray(5, t);
            }));
            return message(f(out -> {
                out.writeInt64(1, 8); // ir_version
                out.writeString(2, "leap4j-test");
                out.writeByteArray(7, graph);
            }));
        }
    }

    private Graph graphOf(BertWeights w, float eps) {
        Graph g = new Graph();
        boolean biasFirst = rnd.nextBoolean();
        for (Tensor t : w.toHuggingFace()) {
            String n = t.name();
            boolean linear = n.endsWith(".weight") && t.shape().length == 2 && n.startsWith("encoder.");
            if (!linear) {
                g.inits.add(tensor(n, t.shape(), t.data(), rnd.nextBoolean()));
                continue;
            }
            int out = t.shape()[0], in = t.shape()[1];
            String anon = "onnx::MatMul_" + (1000 + g.counter++);
            g.inits.add(tensor(anon, new int[]{in, out}, BertWeights.transpose(t.data(), out, in), rnd.nextBoolean()));
            String x = "/act_" + g.counter, mm = "/matmul_out_" + g.counter;
            g.nodes.add(node("MatMul", "/" + n + "/MatMul", List.of(x, anon), mm, null));
            String bias = n.substring(0, n.length() - ".weight".length()) + ".bias";
            g.nodes.add(node("Add", "/" + n + "/Add", biasFirst ? List.of(bias, mm) : List.of(mm, bias), "/add_out_" + g.counter, null));
        }
        // attention scores: activation x activation MatMul, which is not a parameter
        g.nodes.add(node("MatMul", "/scores", List.of("/q", "/k"), "/s", null));
        // a decomposed LayerNorm: Sqrt(Add(ReduceMean(..), Constant eps))
        for (int i = 0; i < 2; i++) {
            g.nodes.add(node("ReduceMean", "/ln" + i + "/mean", List.of("/sq" + i), "/var" + i, null));
            g.nodes.add(node("Constant", "/ln" + i + "/eps", List.of(), "/eps" + i, tensor("", new int[]{}, new float[]{eps}, rnd.nextBoolean())));
            g.nodes.add(node("Add", "/ln" + i + "/add", List.of("/var" + i, "/eps" + i), "/vareps" + i, null));
            g.nodes.add(node("Sqrt", "/ln" + i + "/sqrt", List.of("/vareps" + i), "/std" + i, null));
        }
        return g;
    }

    private BertConfig tinyConfig() {
        int heads = 1 + rnd.nextInt(3);
        return new BertConfig(11 + rnd.nextInt(20), heads * (2 + rnd.nextInt(5)), 1 + rnd.nextInt(3), heads,
                3 + rnd.nextInt(20), 6 + rnd.nextInt(10), 2, 1e-12f, Pooling.MEAN, true, 6);
    }

    @Test
    void syntheticGraphImportsExactly() {
        for (int trial = 0; trial < 4; trial++) {
            BertConfig c = tinyConfig();
            BertWeights w = BertWeights.random(c, rnd.nextLong());
            float eps = trial % 2 == 0 ? 1e-12f : 1e-5f;
            OnnxImport.Result r = OnnxImport.read(graphOf(w, eps).model(), "tiny.onnx");
            assertEquals(c.numLayers(), r.numLayers(), "seed " + seed);
            assertEquals(c.hidden(), r.hidden());
            assertEquals(c.intermediate(), r.intermediate());
            assertEquals(c.vocabSize(), r.vocabSize());
            assertEquals(c.maxPositions(), r.maxPositions());
            assertEquals(c.typeVocabSize(), r.typeVocabSize());
            assertEquals(eps, r.layerNormEps());
            BertWeightsTest.assertSameWeights(w, BertWeights.fromHuggingFace(c, r.tensors(), "tiny.onnx"), "ONNX import (seed " + seed + ")");
        }
    }

    @Test
    void unmappableInitializerIsRefusedByName() {
        BertWeights w = BertWeights.random(tinyConfig(), rnd.nextLong());
        Graph g = graphOf(w, 1e-12f);
        g.inits.add(tensor("classifier.weight", new int[]{2, 3}, new float[6], false));
        String m = assertThrows(ModelFormatException.class, () -> OnnxImport.read(g.model(), "extra.onnx")).getMessage();
        assertTrue(m.startsWith("extra.onnx") && m.contains("classifier.weight"), m);
    }

    @Test
    void matMulWithoutBiasAddIsRefused() {
        BertWeights w = BertWeights.random(tinyConfig(), rnd.nextLong());
        Graph g = graphOf(w, 1e-12f);
        g.inits.add(tensor("onnx::MatMul_9999", new int[]{w.config.hidden(), 4}, new float[w.config.hidden() * 4], true));
        g.nodes.add(node("MatMul", "/lonely/MatMul", List.of("/x", "onnx::MatMul_9999"), "/lonely_out", null));
        g.nodes.add(node("Relu", "/lonely/Relu", List.of("/lonely_out"), "/relu_out", null));
        String m = assertThrows(ModelFormatException.class, () -> OnnxImport.read(g.model(), "nobias.onnx")).getMessage();
        assertTrue(m.contains("/lonely/MatMul") && m.contains("onnx::MatMul_9999"), m);
    }

    @Test
    void garbageIsNotAnOnnxModel() {
        byte[] junk = new byte[64];
        rnd.nextBytes(junk);
        junk[0] = (byte) 0x3a; // field 7, length-delimited: a graph whose length runs past the end
        junk[1] = (byte) 0x7f;
        String m = assertThrows(ModelFormatException.class, () -> OnnxImport.read(junk, "junk.onnx")).getMessage();
        assertTrue(m.contains("junk.onnx"), m);
        assertThrows(ModelFormatException.class, () -> OnnxImport.read(new byte[0], "empty.onnx"));
    }

    @Test
    void realAllMiniLmGraph() throws IOException {
        OnnxImport.Result r = OnnxImport.read(BuiltinModel.ALL_MINILM_L6_V2.onnxBytes(), "all-minilm-l6-v2.onnx");
        assertEquals(6, r.numLayers());
        assertEquals(384, r.hidden());
        assertEquals(1536, r.intermediate());
        assertEquals(30522, r.vocabSize());
        assertEquals(512, r.maxPositions());
        assertEquals(2, r.typeVocabSize());
        assertEquals(1e-12f, r.layerNormEps());
        BertConfig c = ModelFolder.load(BuiltinModel.ALL_MINILM_L6_V2.folder(Path.of("target/model-cache"))).config();
        assertEquals(new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12f, Pooling.MEAN, true, 256), c);
        Map<String, Tensor> byName = new LinkedHashMap<>(r.tensors());
        assertEquals(384 * 384, byName.get("encoder.layer.5.attention.self.query.weight").data().length);
    }
}
