package dev.leap4j.api;

/**
 * One input's sentence embedding and how deep it went.
 *
 * @param exitLayer 1-based layer whose pooled state is the embedding (numLayers for full depth)
 * @param tokens    tokens processed, special tokens included
 * @param truncated whether the text was cut to the model's max length
 */
public record Embedding(float[] vector, int exitLayer, int tokens, boolean truncated) {}
