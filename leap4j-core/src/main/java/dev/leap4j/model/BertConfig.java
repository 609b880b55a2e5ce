package dev.leap4j.model;

/**
 * A BERT-family encoder's shape and its sentence-embedding head.
 *
 * @param maxLength tokens kept per input (sentence-transformers' max_seq_length), at most maxPositions
 * @param normalize whether embeddings are L2-normalised (a sentence-transformers Normalize module)
 */
public record BertConfig(int vocabSize, int hidden, int numLayers, int numHeads, int intermediate,
                         int maxPositions, int typeVocabSize, float layerNormEps,
                         Pooling pooling, boolean normalize, int maxLength) {

    public BertConfig {
        positive("vocab_size", vocabSize);
        positive("hidden_size", hidden);
        positive("num_hidden_layers", numLayers);
        positive("num_attention_heads", numHeads);
        positive("intermediate_size", intermediate);
        positive("max_position_embeddings", maxPositions);
        positive("type_vocab_size", typeVocabSize);
        if (hidden % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hidden + " is not divisible by num_attention_heads " + numHeads);
        }
        if (!(layerNormEps > 0)) throw new IllegalArgumentException("layer_norm_eps must be > 0, got " + layerNormEps);
        if (maxLength < 2 || maxLength > maxPositions) {
            throw new dev.leap4j.api.UsageException("max length " + maxLength + " must be in [2, max_position_embeddings=" + maxPositions + "]");
        }
        if (pooling == null) throw new IllegalArgumentException("pooling is required");
    }

    private static void positive(String name, int v) {
        if (v <= 0) throw new IllegalArgumentException(name + " must be > 0, got " + v);
    }

    public int headDim() {
        return hidden / numHeads;
    }

    public BertConfig withLayers(int layers) {
        return new BertConfig(vocabSize, hidden, layers, numHeads, intermediate, maxPositions, typeVocabSize,
                layerNormEps, pooling, normalize, maxLength);
    }
}
