package dev.leap4j.springai;

import dev.leap4j.api.Leap4j;
import dev.leap4j.exit.ExitPolicy;
import dev.leap4j.model.Prompt;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.Embedding;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingOptions;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.ai.embedding.EmbeddingResponseMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Spring AI's {@link EmbeddingModel} on leap4j's in-process early-exit engine. Vectors are exactly those of
 * {@code leap4j embed} for the same model, texts, exit policy and prompt.
 *
 * <p>The {@link Leap4j} is borrowed, not owned: closing it is up to whoever created it (the auto-configuration
 * closes the one it creates when the context shuts down). Thread-safe, like {@link Leap4j}; since the engine runs
 * one batch at a time, many texts per {@link #call} is what makes it fast.
 *
 * <p>Each response's metadata carries, under {@link #EXIT_LAYERS}, the layer every input exited at (a
 * {@code List<Integer>} in input order; {@link #numLayers()} means full depth), and as usage the tokens processed.
 * Spring AI's per-result {@code EmbeddingResultMetadata} has fixed fields only, so the exit layers live on the
 * response.
 */
public final class Leap4jEmbeddingModel implements EmbeddingModel {
    /** Response metadata key: {@code List<Integer>}, the exit layer of each input in input order. */
    public static final String EXIT_LAYERS = "leap4j.exit-layers";

    private final Leap4j model;
    private final ExitPolicy policy;
    private final Prompt prompt;

    /** The model's default exit rule (theta 0.95, min layer half the depth) and its default prompt, if any. */
    public Leap4jEmbeddingModel(Leap4j model) {
        this(model, model.defaultPolicy());
    }

    /** The model's default prompt (as {@code leap4j embed} without --prompt), if it has one. */
    public Leap4jEmbeddingModel(Leap4j model, ExitPolicy policy) {
        this(model, policy, model.prompts().defaultPrompt());
    }

    /**
     * @param prompt put before every input ahead of tokenization, e.g. {@code model.prompts().get("passage")} for
     *               e5's documents or {@code Prompt.literal("...")}; {@link Prompt#NONE} for none
     */
    public Leap4jEmbeddingModel(Leap4j model, ExitPolicy policy, Prompt prompt) {
        this.model = Objects.requireNonNull(model, "model");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.prompt = Objects.requireNonNull(prompt, "prompt");
        policy.checkDepth(model.numLayers());
    }

    @Override
    public EmbeddingResponse call(EmbeddingRequest request) {
        Objects.requireNonNull(request, "request");
        checkOptions(request.getOptions());
        List<String> inputs = request.getInstructions();
        if (inputs == null) throw new IllegalArgumentException("the embedding request has no inputs");
        for (int i = 0; i < inputs.size(); i++) {
            String text = inputs.get(i);
            // checked before the prompt goes on: a blank input under a prompt would embed the prompt alone
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException("input " + i + " is " + (text == null ? "null" : "blank")
                        + ": every input needs text to embed");
            }
        }
        List<dev.leap4j.exit.Embedding> out = model.embed(prompt.applyAll(inputs), policy);
        List<Embedding> results = new ArrayList<>(out.size());
        List<Integer> exitLayers = new ArrayList<>(out.size());
        int tokens = 0;
        for (int i = 0; i < out.size(); i++) {
            dev.leap4j.exit.Embedding e = out.get(i);
            results.add(new Embedding(e.vector(), i));
            exitLayers.add(e.exitLayer());
            tokens += e.tokens();
        }
        var metadata = new EmbeddingResponseMetadata(model.name(), new DefaultUsage(tokens, 0),
                Map.of(EXIT_LAYERS, List.copyOf(exitLayers)));
        return new EmbeddingResponse(results, metadata);
    }

    /**
     * Options only name a model or a dimension: the model is the one this bean wraps (any name is accepted, as an
     * OpenAI-style client sends one anyway), and the dimension cannot change.
     */
    private void checkOptions(EmbeddingOptions options) {
        if (options == null) return;
        Integer dims = options.getDimensions();
        if (dims != null && dims != model.dimension()) {
            throw new IllegalArgumentException("dimensions " + dims + " requested, but " + model.name() + " embeds into "
                    + model.dimension() + ": leave the dimensions option unset");
        }
    }

    @Override
    public float[] embed(Document document) {
        Objects.requireNonNull(document, "document");
        String text = getEmbeddingContent(document);
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("document " + document.getId() + " has no text to embed");
        }
        return call(new EmbeddingRequest(List.of(text), null)).getResult().getOutput();
    }

    /** The model's dimension, known from its config: nothing is embedded to find it. */
    @Override
    public int dimensions() {
        return model.dimension();
    }

    /** The model's depth: an exit layer equal to it means the input ran every layer. */
    public int numLayers() {
        return model.numLayers();
    }

    public ExitPolicy policy() {
        return policy;
    }

    public Prompt prompt() {
        return prompt;
    }
}
