package dev.leap4j.springai;

import dev.leap4j.api.UsageException;
import dev.leap4j.api.Leap4j;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.api.Prompt;
import dev.leap4j.api.Texts;
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
 * <p><b>Queries and documents.</b> {@link #embed(String)} is the query path (a {@code VectorStore}'s similarity
 * search embeds its query there) and gets the query prompt; {@link #embed(Document)} and {@link #call} are the
 * document path (a {@code VectorStore} adds documents through them) and get the document prompt. For e5 that is
 * "query: " and "passage: ", as sentence-transformers' {@code encode_query} / {@code encode_document}. Both paths use
 * one exit rule.
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
    private final Prompt queryPrompt;
    private final Prompt documentPrompt;

    /** The model's default exit rule (calibrated, else full depth) and its query and document prompts. */
    public Leap4jEmbeddingModel(Leap4j model) {
        this(model, model.defaultPolicy());
    }

    /** The model's query and document prompts. */
    public Leap4jEmbeddingModel(Leap4j model, ExitPolicy policy) {
        this(model, policy, model.queryPrompt(), model.documentPrompt());
    }

    /**
     * @param queryPrompt    put before every query ({@link #embed(String)}), e.g. {@code model.prompt("query")}
     * @param documentPrompt put before every document ({@link #embed(Document)}, {@link #call}); {@link Prompt#NONE} for none
     */
    public Leap4jEmbeddingModel(Leap4j model, ExitPolicy policy, Prompt queryPrompt, Prompt documentPrompt) {
        this.model = Objects.requireNonNull(model, "model");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.queryPrompt = Objects.requireNonNull(queryPrompt, "queryPrompt");
        this.documentPrompt = Objects.requireNonNull(documentPrompt, "documentPrompt");
        policy.checkDepth(model.numLayers());
    }

    /** The document path: every input gets the document prompt. */
    @Override
    public EmbeddingResponse call(EmbeddingRequest request) {
        Objects.requireNonNull(request, "request");
        checkOptions(request.getOptions());
        List<String> inputs = request.getInstructions();
        if (inputs == null) throw new UsageException("the embedding request has no inputs");
        return embed(inputs, documentPrompt);
    }

    /** The query path: the text gets the query prompt. */
    @Override
    public float[] embed(String text) {
        return embed(java.util.Collections.singletonList(text), queryPrompt).getResult().getOutput();
    }

    private EmbeddingResponse embed(List<String> inputs, Prompt prompt) {
        List<String> prompted = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            // checked before the prompt goes on: a blank input under a prompt would embed the prompt alone
            String reason = Texts.refusal(inputs.get(i));
            if (reason != null) throw new UsageException("input " + i + " " + reason);
            prompted.add(prompt.apply(inputs.get(i)));
        }
        List<dev.leap4j.api.Embedding> out = model.embed(prompted, policy);
        List<Embedding> results = new ArrayList<>(out.size());
        List<Integer> exitLayers = new ArrayList<>(out.size());
        int tokens = 0;
        for (int i = 0; i < out.size(); i++) {
            dev.leap4j.api.Embedding e = out.get(i);
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
            throw new UsageException("dimensions " + dims + " requested, but " + model.name() + " embeds into "
                    + model.dimension() + ": leave the dimensions option unset");
        }
    }

    /** The document path. */
    @Override
    public float[] embed(Document document) {
        Objects.requireNonNull(document, "document");
        String text = getEmbeddingContent(document);
        if (Texts.refusal(text) != null) {
            throw new UsageException("document " + document.getId() + " has no text to embed");
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

    public Prompt queryPrompt() {
        return queryPrompt;
    }

    public Prompt documentPrompt() {
        return documentPrompt;
    }
}
