package dev.leap4j.model;

import dev.leap4j.api.ModelFormatException;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class BertWeightsTest {
    private final long seed = dev.leap4j.TestSeed.next();
    private final SplittableRandom rnd = new SplittableRandom(seed);

    public BertConfig randomConfig() {
        int heads = 1 + rnd.nextInt(4);
        int hidden = heads * (1 + rnd.nextInt(9));
        int maxPos = 4 + rnd.nextInt(30);
        return new BertConfig(5 + rnd.nextInt(60), hidden, 1 + rnd.nextInt(3), heads, 1 + rnd.nextInt(40), maxPos,
                1 + rnd.nextInt(3), 1e-12f, rnd.nextBoolean() ? Pooling.MEAN : Pooling.CLS, rnd.nextBoolean(), 2 + rnd.nextInt(maxPos - 1));
    }

    public static void assertSameWeights(BertWeights a, BertWeights b, String what) {
        List<BertWeights.Param> pa = a.parameters(), pb = b.parameters();
        assertEquals(pa.size(), pb.size());
        for (int i = 0; i < pa.size(); i++) {
            assertEquals(pa.get(i).name(), pb.get(i).name());
            assertArrayEquals(pa.get(i).data(), pb.get(i).data(), what + ": " + pa.get(i).name());
        }
    }

    private static Map<String, Tensor> byName(List<Tensor> ts) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Tensor t : ts) m.put(t.name(), t);
        return m;
    }

    @Test
    void huggingFaceRoundTripIsExact() {
        for (int trial = 0; trial < 5; trial++) {
            BertConfig c = randomConfig();
            BertWeights w = BertWeights.random(c, rnd.nextLong());
            List<Tensor> hf = w.toHuggingFace();
            assertSameWeights(w, BertWeights.fromHuggingFace(c, byName(hf), "test"), "round trip (seed " + seed + ")");
            // the "bert." prefix of BertForX checkpoints and pooler tensors are accepted
            Map<String, Tensor> prefixed = new LinkedHashMap<>();
            for (Tensor t : hf) prefixed.put("bert." + t.name(), new Tensor("bert." + t.name(), t.shape(), t.data()));
            prefixed.put("pooler.dense.weight", new Tensor("pooler.dense.weight", new int[]{1}, new float[1]));
            assertSameWeights(w, BertWeights.fromHuggingFace(c, prefixed, "test"), "prefixed round trip");
            long total = 0;
            for (Tensor t : hf) total += t.data().length;
            assertEquals(w.parameterCount(), total, "the checkpoint holds every parameter once");
        }
    }

    @Test
    void checkpointLayoutIsOutByIn() {
        BertConfig c = randomConfig();
        BertWeights w = BertWeights.random(c, rnd.nextLong());
        Map<String, Tensor> hf = byName(w.toHuggingFace());
        int C = c.hidden(), I = c.intermediate();
        String[] qkv = {"query", "key", "value"};
        for (int j = 0; j < 3; j++) {
            Tensor t = hf.get("encoder.layer.0.attention.self." + qkv[j] + ".weight");
            int o = rnd.nextInt(C), i = rnd.nextInt(C);
            assertEquals(w.layers[0].qkvWeight[i * 3 * C + j * C + o], t.data()[o * C + i], qkv[j]);
            assertEquals(w.layers[0].qkvBias[j * C + o], hf.get("encoder.layer.0.attention.self." + qkv[j] + ".bias").data()[o]);
        }
        Tensor inter = hf.get("encoder.layer.0.intermediate.dense.weight");
        assertArrayEquals(new int[]{I, C}, inter.shape());
        int o = rnd.nextInt(I), i = rnd.nextInt(C);
        assertEquals(w.layers[0].interWeight[i * I + o], inter.data()[o * C + i]);
        Tensor out = hf.get("encoder.layer.0.output.dense.weight");
        assertArrayEquals(new int[]{C, I}, out.shape());
    }

    @Test
    void missingAndMisshapedTensorsAreNamed() {
        BertConfig c = randomConfig();
        Map<String, Tensor> hf = byName(BertWeights.random(c, rnd.nextLong()).toHuggingFace());
        List<String> names = List.copyOf(hf.keySet());
        String gone = names.get(rnd.nextInt(names.size()));
        hf.remove(gone);
        String bad;
        do bad = names.get(rnd.nextInt(names.size())); while (bad.equals(gone));
        hf.put(bad, new Tensor(bad, new int[]{7, 1}, new float[7]));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> BertWeights.fromHuggingFace(c, hf, "ckpt.safetensors"));
        String m = e.getMessage();
        assertTrue(m.startsWith("ckpt.safetensors"), m);
        assertTrue(m.contains("missing tensor " + gone), m);
        assertTrue(m.contains("tensor " + bad + " has shape [7, 1]"), m);
    }

    @Test
    void randomWeightsAreSeededAndLayerNormStartsNearOne() {
        BertConfig c = randomConfig();
        long s = rnd.nextLong();
        assertSameWeights(BertWeights.random(c, s), BertWeights.random(c, s), "same seed");
        BertWeights a = BertWeights.random(c, s), b = BertWeights.random(c, s + 1);
        assertFalse(java.util.Arrays.equals(a.wordEmbeddings, b.wordEmbeddings));
        for (float g : a.embLnWeight) assertTrue(g > 0.3f && g < 1.7f, "gamma " + g);
    }

    @Test
    void weightsMustMatchTheirConfig() {
        BertConfig c = randomConfig();
        assertThrows(IllegalArgumentException.class, () -> new BertConfig(10, 10, 1, 3, 4, 8, 2, 1e-12f, Pooling.MEAN, true, 8));
        assertThrows(IllegalArgumentException.class, () -> new BertConfig(10, 12, 1, 3, 4, 8, 2, 1e-12f, Pooling.MEAN, true, 9));
        assertThrows(IllegalArgumentException.class, () -> new BertConfig(10, 12, 1, 3, 4, 8, 2, 0f, Pooling.MEAN, true, 8));
        assertThrows(IllegalArgumentException.class, () -> new BertConfig(10, 12, 1, 3, 4, 8, 2, 1e-12f, null, true, 8));
        assertEquals(c.hidden() / c.numHeads(), c.headDim());
    }

    @Test
    void relayeredTakesEachLayerFromItsSourceAsAnIndependentCopy() {
        BertConfig c = randomConfig();
        BertWeights w = BertWeights.random(c, seed);
        int L = c.numLayers();
        int[] sources = new int[1 + rnd.nextInt(5)];
        for (int i = 0; i < sources.length; i++) sources[i] = 1 + rnd.nextInt(L);
        sources[sources.length - 1] = sources[0]; // a repeated source
        BertWeights r = w.relayered(sources);
        assertEquals(sources.length, r.config.numLayers());
        Map<String, Tensor> orig = byName(w.toHuggingFace()), got = byName(r.toHuggingFace());
        for (Map.Entry<String, Tensor> e : got.entrySet()) {
            String name = e.getKey();
            String from = name;
            if (name.startsWith("encoder.layer.")) {
                int dot = name.indexOf('.', "encoder.layer.".length());
                int i = Integer.parseInt(name.substring("encoder.layer.".length(), dot));
                from = "encoder.layer." + (sources[i] - 1) + name.substring(dot);
            }
            assertArrayEquals(orig.get(from).data(), e.getValue().data(), name + " from " + from + " (seed " + seed + ")");
        }
        if (sources.length > 1) {
            r.layers[0].outBias[0] += 1f;
            assertEquals(w.layers[sources[0] - 1].outBias[0] + 1f, r.layers[0].outBias[0]);
            assertEquals(w.layers[sources[0] - 1].outBias[0], r.layers[sources.length - 1].outBias[0], "copies of one source are independent");
        }
        assertThrows(IllegalArgumentException.class, () -> w.relayered(new int[]{L + 1}));
        assertThrows(IllegalArgumentException.class, () -> w.relayered(new int[0]));
    }
}
