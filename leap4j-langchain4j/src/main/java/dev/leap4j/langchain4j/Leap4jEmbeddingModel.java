package dev.leap4j.langchain4j;

import dev.leap4j.api.UsageException;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import dev.langchain4j.model.embedding.request.EmbeddingInput;
import dev.langchain4j.model.embedding.request.EmbeddingInputType;
import dev.langchain4j.model.embedding.request.EmbeddingParameter;
import dev.langchain4j.model.embedding.request.EmbeddingRequest;
import dev.langchain4j.model.embedding.request.EmbeddingRequestParameters;
import dev.langchain4j.model.embedding.response.EmbeddingResponse;
import dev.langchain4j.model.embedding.response.EmbeddingResponseMetadata;
import dev.leap4j.api.Defaults;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.api.Leap4j;
import dev.leap4j.api.Prompt;
import dev.leap4j.api.Texts;
import dev.leap4j.api.WeightFormat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * LangChain4j's {@link EmbeddingModel}, computed in-process by leap4j's early-exit engine.
 *
 * <pre>{@code
 * try (Leap4jEmbeddingModel model = Leap4jEmbeddingModel.builder().model("e5-small-v2").build()) {
 *     EmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
 *     store.addAll(model.embedAll(segments).content(), segments);          // documents: "passage: " for e5
 *     Embedding query = model.embed("how do cells divide?").content();     // a query: "query: " for e5
 * }
 * }</pre>
 *
 * <p><b>Queries and documents.</b> Documents ({@link #embedAll}, {@link #embed(TextSegment)}, and requests of input
 * type DOCUMENT) get the model's document prompt; queries ({@link #embed(String)}, which LangChain4j's
 * {@code EmbeddingStoreContentRetriever} calls, and requests of input type QUERY) get its query prompt, as
 * sentence-transformers' {@code encode_document} / {@code encode_query} do. Both use one exit rule, so a query and
 * the documents it is compared with are judged the same way.
 *
 * <p><b>Depth.</b> By default the model's calibrated exit rule, else full depth (every stock model): see
 * {@link Leap4j#defaultPolicy()}. Each response's {@link Response#metadata()} lists the exit layers under
 * {@link #EXIT_LAYERS}.
 *
 * <p>Vectors are exactly those {@code leap4j embed} writes for the same model, text (after the prompt) and exit rule,
 * whatever else is in the same call: the engine computes each input the same way alone or in any batch. One
 * {@code embedAll} call is embedded in batches of {@value Leap4j#BATCH_SIZE}; calls from several threads are safe and
 * share one engine. Token usage reports the tokens the model read (special tokens included, after truncation).
 */
public final class Leap4jEmbeddingModel implements EmbeddingModel, AutoCloseable {
    /** {@link Response#metadata()} key: {@code List<Integer>}, the layer each input exited at, in input order. */
    public static final String EXIT_LAYERS = "leap4j.exit-layers";

    private final Leap4j leap;
    private final boolean owned;
    private final ExitPolicy policy;
    private final Prompt queryPrompt;
    private final Prompt documentPrompt;

    private Leap4jEmbeddingModel(Leap4j leap, boolean owned, ExitPolicy policy, Prompt queryPrompt, Prompt documentPrompt) {
        this.leap = leap;
        this.owned = owned;
        this.policy = policy;
        this.queryPrompt = queryPrompt;
        this.documentPrompt = documentPrompt;
    }

    /**
     * Wraps a model the caller loaded and keeps owning ({@link #close()} leaves it open), with the model's default
     * rule and its query and document prompts.
     */
    public static Leap4jEmbeddingModel of(Leap4j leap) {
        if (leap == null) throw new UsageException("model is required");
        return of(leap, leap.defaultPolicy(), leap.queryPrompt(), leap.documentPrompt());
    }

    /** As {@link #of(Leap4j)} with the rule and the prompts given ({@link Prompt#NONE} for none). */
    public static Leap4jEmbeddingModel of(Leap4j leap, ExitPolicy policy, Prompt queryPrompt, Prompt documentPrompt) {
        if (leap == null || policy == null || queryPrompt == null || documentPrompt == null) {
            throw new UsageException("model, policy and prompts are required (Prompt.NONE for no prompt)");
        }
        policy.checkDepth(leap.numLayers());
        return new Leap4jEmbeddingModel(leap, false, policy, queryPrompt, documentPrompt);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The document path: every segment gets the document prompt. */
    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        if (segments == null) throw new UsageException("segments are required");
        List<String> texts = new ArrayList<>(segments.size());
        for (int i = 0; i < segments.size(); i++) {
            TextSegment s = segments.get(i);
            texts.add(s == null ? null : s.text());
        }
        return embed(texts, documentPrompt, "segment");
    }

    /** The query path (LangChain4j's retriever embeds its queries here): the text gets the query prompt. */
    @Override
    public Response<Embedding> embed(String text) {
        Response<List<Embedding>> r = embed(java.util.Collections.singletonList(text), queryPrompt, "query");
        return Response.from(r.content().getFirst(), r.tokenUsage(), null, r.metadata());
    }

    /** Requests that say their input type get that side's prompt; others are documents. */
    @Override
    public EmbeddingResponse doEmbed(EmbeddingRequest request) {
        if (request == null) throw new UsageException("request is required");
        EmbeddingInputType type = request.inputType();
        List<String> texts = request.inputs().stream().map(EmbeddingInput::text).toList();
        Response<List<Embedding>> r = type == EmbeddingInputType.QUERY ? embed(texts, queryPrompt, "query") : embed(texts, documentPrompt, "input");
        return EmbeddingResponse.builder().embeddings(r.content())
                .metadata(EmbeddingResponseMetadata.builder().modelName(leap.name()).tokenUsage(r.tokenUsage()).build()).build();
    }

    @Override
    public Set<EmbeddingParameter<?>> supportedParameters() {
        return Set.of(EmbeddingRequestParameters.INPUT_TYPE);
    }

    private Response<List<Embedding>> embed(List<String> texts, Prompt prompt, String what) {
        List<String> prompted = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            // checked before the prompt goes on: a blank text under a prompt would embed the prompt alone
            String reason = Texts.refusal(texts.get(i));
            if (reason != null) throw new UsageException(what + " " + i + " " + reason);
            prompted.add(prompt.apply(texts.get(i)));
        }
        List<dev.leap4j.api.Embedding> out = leap.embed(prompted, policy);
        List<Embedding> vectors = new ArrayList<>(out.size());
        List<Integer> exitLayers = new ArrayList<>(out.size());
        int tokens = 0;
        for (dev.leap4j.api.Embedding e : out) {
            vectors.add(Embedding.from(e.vector()));
            exitLayers.add(e.exitLayer());
            tokens += e.tokens();
        }
        return Response.from(vectors, new TokenUsage(tokens), null, Map.of(EXIT_LAYERS, List.copyOf(exitLayers)));
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

    /** The model's depth: an exit layer equal to it means the input ran every layer. */
    public int numLayers() {
        return leap.numLayers();
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

    /** Closes the engine if this instance loaded it. */
    @Override
    public void close() {
        if (owned) leap.close();
    }

    /**
     * Loads a built-in model or a model folder. Defaults: the model's own exit rule (calibrated, else full depth),
     * {@link Defaults#cacheDir()}, all cores, the model's query and document prompts.
     */
    public static final class Builder {
        private String model;
        private Path cacheDir = Defaults.cacheDir();
        private int threads = Defaults.threads();
        private Double theta;
        private Integer minLayer;
        private Integer depth;
        private WeightFormat weights = Defaults.WEIGHTS;
        private String promptName;
        private String promptText;

        private Builder() {}

        /** A built-in name ({@code all-minilm-l6-v2}, {@code bge-small-en-v1.5}, {@code e5-small-v2}) or a model folder. */
        public Builder model(String modelOrFolder) {
            this.model = modelOrFolder;
            return this;
        }

        /** Where built-in models are imported to; default {@code $LEAP4J_CACHE}, else {@code ~/.cache/leap4j/models}, as the CLI. */
        public Builder cacheDir(Path dir) {
            this.cacheDir = dir;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /**
         * Exit when cos(layer l, layer l-1) >= theta; above 1 means full depth. On a model not calibrated for early
         * exit (every stock model) this logs a warning: vectors from different layers rank wrongly.
         */
        public Builder theta(double theta) {
            this.theta = theta;
            return this;
        }

        /** First layer allowed to exit; default the calibration's, else half the model's depth. */
        public Builder minLayer(int minLayer) {
            this.minLayer = minLayer;
            return this;
        }

        /** Run at most this many layers (1..the model's depth): a fixed, cheaper dial. */
        public Builder depth(int depth) {
            this.depth = depth;
            return this;
        }

        /**
         * {@link WeightFormat#INT8} holds the layers' matrices as int8 per output column (a quarter of the bytes, close
         * to but not equal to fp32); the default is the checkpoint's floats.
         */
        public Builder weights(WeightFormat weights) {
            this.weights = weights;
            return this;
        }

        /** One of the model's prompts for queries and documents alike, instead of the query/document pair. */
        public Builder promptName(String name) {
            this.promptName = name;
            return this;
        }

        /** Literal text put before every query and document, instead of the model's prompts. */
        public Builder promptText(String text) {
            this.promptText = text;
            return this;
        }

        /**
         * @throws dev.leap4j.api.UsageException for an unknown model or prompt, or settings out of range
         * @throws UncheckedIOException     when the model files cannot be read
         */
        public Leap4jEmbeddingModel build() {
            if (model == null || model.isBlank()) throw new UsageException("model is required: a built-in name or a model folder");
            if (promptName != null && promptText != null) throw new UsageException("give a prompt name or a prompt text, not both");
            Leap4j leap;
            try {
                leap = Leap4j.load(model, cacheDir, threads, weights);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read model " + model + ": " + e.getMessage(), e);
            }
            try {
                ExitPolicy p = leap.policy(theta, minLayer, null, depth);
                boolean one = promptName != null || promptText != null;
                Prompt q = one ? leap.prompt(promptName, promptText) : leap.queryPrompt();
                Prompt d = one ? q : leap.documentPrompt();
                return new Leap4jEmbeddingModel(leap, true, p, q, d);
            } catch (RuntimeException e) {
                leap.close();
                throw e;
            }
        }
    }
}
