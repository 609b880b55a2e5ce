package dev.leap4j.langchain4j;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import dev.leap4j.api.Leap4j;
import dev.leap4j.exit.ExitPolicy;
import dev.leap4j.model.Prompt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * LangChain4j's {@link EmbeddingModel}, computed in-process by leap4j's early-exit engine.
 *
 * <pre>{@code
 * try (Leap4jEmbeddingModel model = Leap4jEmbeddingModel.builder().model("e5-small-v2").promptName("passage").theta(0.95).build()) {
 *     EmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
 *     store.addAll(model.embedAll(segments).content(), segments);
 * }
 * }</pre>
 *
 * <p>Vectors are exactly those {@code leap4j embed} writes for the same model, text (after the prompt) and exit rule,
 * whatever else is in the same call: the engine computes each input the same way alone or in any batch. One
 * {@code embedAll} call is embedded in batches of {@value Leap4j#BATCH_SIZE}; calls from several threads are safe and
 * share one engine. Token usage reports the tokens the model read (special tokens included, after truncation).
 */
public final class Leap4jEmbeddingModel implements EmbeddingModel, AutoCloseable {
    private final Leap4j leap;
    private final boolean owned;
    private final ExitPolicy policy;
    private final Prompt prompt;

    private Leap4jEmbeddingModel(Leap4j leap, boolean owned, ExitPolicy policy, Prompt prompt) {
        this.leap = leap;
        this.owned = owned;
        this.policy = policy;
        this.prompt = prompt;
    }

    /** Wraps a model the caller loaded and keeps owning: {@link #close()} leaves it open. */
    public static Leap4jEmbeddingModel of(Leap4j leap, ExitPolicy policy, Prompt prompt) {
        if (leap == null || policy == null || prompt == null) throw new IllegalArgumentException("model, policy and prompt are required (Prompt.NONE for no prompt)");
        policy.checkDepth(leap.numLayers());
        return new Leap4jEmbeddingModel(leap, false, policy, prompt);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        if (segments == null) throw new IllegalArgumentException("segments are required");
        List<String> texts = new ArrayList<>(segments.size());
        for (int i = 0; i < segments.size(); i++) {
            TextSegment s = segments.get(i);
            if (s == null || s.text() == null) throw new IllegalArgumentException("segment " + i + " has no text");
            texts.add(prompt.apply(s.text()));
        }
        List<dev.leap4j.exit.Embedding> out = leap.embed(texts, policy);
        List<Embedding> vectors = new ArrayList<>(out.size());
        int tokens = 0;
        for (dev.leap4j.exit.Embedding e : out) {
            vectors.add(Embedding.from(e.vector()));
            tokens += e.tokens();
        }
        return Response.from(vectors, new TokenUsage(tokens));
    }

    /** Known from the model's config: nothing is embedded to find it out. */
    @Override
    public int dimension() {
        return leap.dimension();
    }

    @Override
    public String modelName() {
        return leap.name();
    }

    public ExitPolicy policy() {
        return policy;
    }

    /** Closes the engine if this instance loaded it. */
    @Override
    public void close() {
        if (owned) leap.close();
    }

    /** Loads a built-in model or a model folder; defaults: the model's exit rule (theta 0.95), all cores, no prompt. */
    public static final class Builder {
        private String model;
        private Path cacheDir = Path.of(System.getProperty("user.home"), ".cache", "leap4j", "models");
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private Double theta;
        private Integer minLayer;
        private String promptName;
        private String promptText;

        private Builder() {}

        /** A built-in name ({@code all-minilm-l6-v2}, {@code bge-small-en-v1.5}, {@code e5-small-v2}) or a model folder. */
        public Builder model(String modelOrFolder) {
            this.model = modelOrFolder;
            return this;
        }

        /** Where built-in models are imported to; default {@code ~/.cache/leap4j/models}, as the CLI. */
        public Builder cacheDir(Path dir) {
            this.cacheDir = dir;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /** Exit when cos(layer l, layer l-1) >= theta; above 1 means full depth. */
        public Builder theta(double theta) {
            this.theta = theta;
            return this;
        }

        /** First layer allowed to exit; default half the model's depth. */
        public Builder minLayer(int minLayer) {
            this.minLayer = minLayer;
            return this;
        }

        /** One of the model's prompts (e5: {@code query}, {@code passage}); without one, the model's default prompt if it has one. */
        public Builder promptName(String name) {
            this.promptName = name;
            return this;
        }

        /** Literal text put before every input, instead of a named prompt. */
        public Builder promptText(String text) {
            this.promptText = text;
            return this;
        }

        /**
         * @throws IllegalArgumentException for an unknown model or prompt, or settings out of range
         * @throws UncheckedIOException     when the model files cannot be read
         */
        public Leap4jEmbeddingModel build() {
            if (model == null || model.isBlank()) throw new IllegalArgumentException("model is required: a built-in name or a model folder");
            if (promptName != null && promptText != null) throw new IllegalArgumentException("give a prompt name or a prompt text, not both");
            Leap4j leap;
            try {
                leap = Leap4j.load(model, cacheDir, threads);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read model " + model + ": " + e.getMessage(), e);
            }
            try {
                ExitPolicy p = ExitPolicy.defaults(leap.numLayers(), theta, minLayer, null);
                p.checkDepth(leap.numLayers());
                return new Leap4jEmbeddingModel(leap, true, p, leap.prompts().choose(promptName, promptText));
            } catch (RuntimeException e) {
                leap.close();
                throw e;
            }
        }
    }
}
