package dev.leap4j.model;

/**
 * One encoder layer's intermediate activations, sized for a capacity of packed tokens. Inference reuses one
 * instance for every layer and lets buffers alias where a value is dead once the next is computed; training
 * keeps one unaliased instance per layer, because the backward pass needs them all.
 */
public final class LayerBuffers {
    public final int capacity;
    public final float[] qkv;      // (N, 3C) query | key | value
    public final float[] att;      // (N, C) attention output before the output projection
    public final float[] attnSum;  // (N, C) x + attention projection, before LayerNorm 1
    public final float[] x1;       // (N, C) after LayerNorm 1 (aliases attnSum for inference)
    public final float[] inter;    // (N, I) intermediate pre-activation
    public final float[] act;      // (N, I) GELU(inter) (aliases inter for inference)
    public final float[] ffnSum;   // (N, C) x1 + FFN output, before LayerNorm 2

    private LayerBuffers(int capacity, BertConfig c, boolean aliased) {
        int C = c.hidden(), I = c.intermediate();
        this.capacity = capacity;
        qkv = new float[capacity * 3 * C];
        att = new float[capacity * C];
        attnSum = new float[capacity * C];
        x1 = aliased ? attnSum : new float[capacity * C];
        inter = new float[capacity * I];
        act = aliased ? inter : new float[capacity * I];
        ffnSum = new float[capacity * C];
    }

    public static LayerBuffers forInference(int capacity, BertConfig c) {
        return new LayerBuffers(capacity, c, true);
    }

    public static LayerBuffers forTraining(int capacity, BertConfig c) {
        return new LayerBuffers(capacity, c, false);
    }
}
