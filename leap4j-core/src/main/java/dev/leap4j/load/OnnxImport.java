package dev.leap4j.load;

import dev.leap4j.model.BertWeights;
import dev.leap4j.model.Tensor;
import dev.leap4j.api.ModelFormatException;

import com.google.protobuf.CodedInputStream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a BERT ONNX graph (as exported by Hugging Face Optimum / transformers.js) into checkpoint tensors with
 * Hugging Face names. Biases and LayerNorm parameters keep their names in such graphs; the linear weights do not
 * (they appear as anonymous (in, out) MatMul initializers), so each MatMul is followed to the Add that applies
 * its named bias, and the weight takes that bias's name, transposed back to (out, in).
 * Any float initializer that cannot be placed this way is refused by name: a silently wrong mapping would give
 * plausible-looking but wrong embeddings.
 */
public final class OnnxImport {
    private OnnxImport() {}

    /** What the graph yields: checkpoint tensors plus the facts read off it. */
    public record Result(Map<String, Tensor> tensors, int numLayers, int hidden, int intermediate, int vocabSize,
                         int maxPositions, int typeVocabSize, float layerNormEps) {}

    record Node(String op, String name, List<String> inputs, List<String> outputs, Map<String, RawTensor> tensorAttrs) {}

    record RawTensor(String name, long[] dims, int dataType, byte[] raw, float[] floats, long[] longs) {
        float[] asFloats(String where) {
            if (dataType != 1) throw new ModelFormatException(where + ": initializer " + name + " has ONNX data type " + dataType + ", expected FLOAT (1)");
            if (floats != null && floats.length > 0) return floats;
            if (raw == null) return new float[0];
            float[] f = new float[raw.length / 4];
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
            return f;
        }

        int[] intDims() {
            int[] d = new int[dims.length];
            for (int i = 0; i < d.length; i++) d[i] = Math.toIntExact(dims[i]);
            return d;
        }
    }

    private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");

    public static Result read(byte[] model, String source) {
        List<Node> nodes = new ArrayList<>();
        Map<String, RawTensor> inits = new LinkedHashMap<>();
        try {
            CodedInputStream in = CodedInputStream.newInstance(model);
            in.setSizeLimit(Integer.MAX_VALUE);
            boolean sawGraph = false;
            while (!in.isAtEnd()) {
                int tag = in.readTag();
                if (tag >>> 3 == 7 && (tag & 7) == 2) {
                    sawGraph = true;
                    int limit = in.pushLimit(in.readRawVarint32());
                    readGraph(in, nodes, inits);
                    in.popLimit(limit);
                } else {
                    in.skipField(tag);
                }
            }
            if (!sawGraph) throw new ModelFormatException(source + " has no ONNX graph");
        } catch (IOException e) {
            throw new ModelFormatException(source + " is not a readable ONNX model (truncated or corrupt): " + e.getMessage());
        }
        return map(nodes, inits, source);
    }

    private static void readGraph(CodedInputStream in, List<Node> nodes, Map<String, RawTensor> inits) throws IOException {
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = tag >>> 3;
            if (field == 1 && (tag & 7) == 2) {
                int limit = in.pushLimit(in.readRawVarint32());
                nodes.add(readNode(in));
                in.popLimit(limit);
            } else if (field == 5 && (tag & 7) == 2) {
                int limit = in.pushLimit(in.readRawVarint32());
                RawTensor t = readTensor(in);
                in.popLimit(limit);
                inits.put(t.name(), t);
            } else {
                in.skipField(tag);
            }
        }
    }

    private static Node readNode(CodedInputStream in) throws IOException {
        List<String> inputs = new ArrayList<>(), outputs = new ArrayList<>();
        String name = "", op = "";
        Map<String, RawTensor> attrs = new HashMap<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (tag >>> 3) {
                case 1 -> inputs.add(in.readStringRequireUtf8());
                case 2 -> outputs.add(in.readStringRequireUtf8());
                case 3 -> name = in.readStringRequireUtf8();
                case 4 -> op = in.readStringRequireUtf8();
                case 5 -> {
                    int limit = in.pushLimit(in.readRawVarint32());
                    String an = "";
                    RawTensor t = null;
                    while (!in.isAtEnd()) {
                        int at = in.readTag();
                        if (at >>> 3 == 1) an = in.readStringRequireUtf8();
                        else if (at >>> 3 == 5 && (at & 7) == 2) {
                            int l2 = in.pushLimit(in.readRawVarint32());
                            t = readTensor(in);
                            in.popLimit(l2);
                        } else in.skipField(at);
                    }
                    in.popLimit(limit);
                    if (t != null) attrs.put(an, t);
                }
                default -> in.skipField(tag);
            }
        }
        return new Node(op, name, inputs, outputs, attrs);
    }

    private static RawTensor readTensor(CodedInputStream in) throws IOException {
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        byte[] raw = null;
        List<Float> floats = new ArrayList<>();
        List<Long> longs = new ArrayList<>();
        boolean external = false;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = tag >>> 3, wire = tag & 7;
            switch (field) {
                case 1 -> {
                    if (wire == 2) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (!in.isAtEnd()) dims.add(in.readInt64());
                        in.popLimit(limit);
                    } else dims.add(in.readInt64());
                }
                case 2 -> dataType = in.readInt32();
                case 4 -> {
                    if (wire == 2) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (!in.isAtEnd()) floats.add(in.readFloat());
                        in.popLimit(limit);
                    } else floats.add(in.readFloat());
                }
                case 7 -> {
                    if (wire == 2) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (!in.isAtEnd()) longs.add(in.readInt64());
                        in.popLimit(limit);
                    } else longs.add(in.readInt64());
                }
                case 8 -> name = in.readStringRequireUtf8();
                case 9 -> raw = in.readByteArray();
                case 13 -> {
                    external = true;
                    in.skipField(tag);
                }
                case 14 -> external |= in.readInt32() == 1;
                default -> in.skipField(tag);
            }
        }
        if (external) throw new ModelFormatException("initializer " + name + " uses external data, which is not supported: export the model as a single file");
        long[] d = dims.stream().mapToLong(Long::longValue).toArray();
        float[] f = new float[floats.size()];
        for (int i = 0; i < f.length; i++) f[i] = floats.get(i);
        return new RawTensor(name, d, dataType, raw, f, longs.stream().mapToLong(Long::longValue).toArray());
    }

    private static Result map(List<Node> nodes, Map<String, RawTensor> inits, String source) {
        Map<String, List<Node>> consumers = new HashMap<>();
        Map<String, Node> producer = new HashMap<>();
        for (Node n : nodes) {
            for (String i : n.inputs()) consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
            for (String o : n.outputs()) producer.put(o, n);
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Node n : nodes) {
            if (!n.op().equals("MatMul")) continue;
            String weight = null;
            for (String i : n.inputs()) if (inits.containsKey(i)) weight = i;
            if (weight == null) continue; // activation x activation (attention scores)
            String biasName = null;
            for (Node c : consumers.getOrDefault(n.outputs().get(0), List.of())) {
                if (!c.op().equals("Add")) continue;
                for (String i : c.inputs()) if (inits.containsKey(i) && i.endsWith(".bias")) biasName = i;
            }
            if (biasName == null) {
                problems.add("MatMul node '" + n.name() + "' (weight " + weight + ") is not followed by an Add of a named bias");
                continue;
            }
            String target = biasName.substring(0, biasName.length() - ".bias".length()) + ".weight";
            RawTensor w = inits.get(weight);
            if (w.dims().length != 2) {
                problems.add("MatMul weight " + weight + " for " + target + " is not a matrix");
                continue;
            }
            int rows = (int) w.dims()[0], cols = (int) w.dims()[1];
            float[] t = BertWeights.transpose(w.asFloats(source), rows, cols);
            if (out.put(target, new Tensor(target, new int[]{cols, rows}, t)) != null) {
                problems.add("two MatMul nodes map to " + target);
            }
            inits.remove(weight);
        }
        for (RawTensor t : inits.values()) {
            if (t.name().equals("embeddings.position_ids") || t.dataType() != 1) continue; // an index buffer, not a parameter
            if (t.name().startsWith("pooler.")) continue;
            if (!t.name().startsWith("embeddings.") && !LAYER.matcher(t.name()).find()) {
                problems.add("cannot map initializer '" + t.name() + "' " + java.util.Arrays.toString(t.dims()) + " to a BERT parameter");
                continue;
            }
            out.put(t.name(), new Tensor(t.name(), t.intDims(), t.asFloats(source)));
        }
        if (!problems.isEmpty()) {
            throw new ModelFormatException(source + ": unsupported ONNX graph: " + String.join("; ", problems.subList(0, Math.min(8, problems.size()))));
        }
        int layers = 0;
        for (String name : out.keySet()) {
            Matcher m = LAYER.matcher(name);
            if (m.find()) layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
        }
        Tensor word = require(out, "embeddings.word_embeddings.weight", source);
        Tensor pos = require(out, "embeddings.position_embeddings.weight", source);
        Tensor type = require(out, "embeddings.token_type_embeddings.weight", source);
        Tensor inter = require(out, "encoder.layer.0.intermediate.dense.bias", source);
        return new Result(out, layers, word.shape()[1], inter.shape()[0], word.shape()[0], pos.shape()[0],
                type.shape()[0], layerNormEps(nodes, producer, source));
    }

    private static Tensor require(Map<String, Tensor> ts, String name, String source) {
        Tensor t = ts.get(name);
        if (t == null) throw new ModelFormatException(source + ": the ONNX graph has no " + name + " initializer");
        return t;
    }

    /** LayerNorm is decomposed in these graphs: Sqrt(Add(ReduceMean(...), eps)); eps is that Add's constant. */
    private static float layerNormEps(List<Node> nodes, Map<String, Node> producer, String source) {
        TreeSet<Float> seen = new TreeSet<>();
        for (Node n : nodes) {
            if (!n.op().equals("Sqrt")) continue;
            Node add = producer.get(n.inputs().get(0));
            if (add == null || !add.op().equals("Add")) continue;
            for (String i : add.inputs()) {
                Node c = producer.get(i);
                if (c != null && c.op().equals("Constant") && c.tensorAttrs().containsKey("value")) {
                    float[] v = c.tensorAttrs().get("value").asFloats(source);
                    if (v.length == 1) seen.add(v[0]);
                }
            }
        }
        if (seen.size() > 1) throw new ModelFormatException(source + ": LayerNorm epsilons differ across the graph: " + seen);
        return seen.isEmpty() ? 1e-12f : seen.first();
    }
}
