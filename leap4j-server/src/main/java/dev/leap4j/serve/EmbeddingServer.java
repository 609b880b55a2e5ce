package dev.leap4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.tokenize.TokenizedText;
import io.javalin.Javalin;
import io.javalin.http.Context;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;

import static dev.leap4j.serve.ServeMetrics.Endpoint;

/**
 * The HTTP front: OpenAI's POST /v1/embeddings, TEI's POST /embed, GET /health, GET /info and GET /metrics,
 * on Javalin (Jetty 12). Handler threads read, validate and tokenize a request, enqueue its inputs with the
 * {@link BatchScheduler} and wait; the scheduler's one thread runs the engine. Everything that can be wrong
 * with a request is found before its inputs are queued, so a bad request costs only its own handler's time.
 * A slow client costs only its own connection: bodies are read without holding anything scarce
 * ({@link BodyReader}: memory charged per byte that arrived, a deadline per body, Jetty's minimum data rate),
 * and only then does a handler take one of a few parse permits to parse, validate and tokenize. Memory stays
 * bounded whatever clients send: body bytes in flight share one budget, a waiting request keeps only its
 * token ids, and the queue holds a bounded number of inputs of bounded length. An internal fault is logged with
 * a request id; the client gets only the id. {@link #close()} is graceful: new requests get 503, queued work
 * finishes, open responses are written, then the port closes. The encoder belongs to the caller, who closes it
 * after the server.
 */
public final class EmbeddingServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingServer.class);

    private final EarlyExitEncoder encoder;
    private final ServerSettings settings;
    private final ServeMetrics metrics;
    private final BatchScheduler scheduler;
    private final RequestReader reader;
    private final Javalin app;
    private final Semaphore parsing;
    private final int parsePermits;
    private final BodyReader bodies;
    private final ClientGuard guard;
    private volatile boolean closing;

    /** A request after validation and tokenization: the body and texts are gone, only token ids remain. */
    private record Admitted(EmbedRequest options, List<TokenizedText> tokens) {}

    /** The depths load may cap at: a model's depth paths where it has them (its rungs), else every depth. */
    private static int[] shedDepths(EarlyExitEncoder encoder) {
        var rungs = encoder.depthPaths().paths();
        if (rungs.isEmpty()) return java.util.stream.IntStream.rangeClosed(1, encoder.numLayers()).toArray();
        return rungs.stream().mapToInt(p -> p.length).toArray();
    }

    private EmbeddingServer(EarlyExitEncoder encoder, ServerSettings settings) {
        settings.defaultPolicy().checkDepth(encoder.numLayers());
        this.encoder = encoder;
        this.settings = settings;
        this.metrics = new ServeMetrics(encoder.numLayers());
        this.scheduler = new BatchScheduler(encoder, settings.maxBatchTokens(), settings.maxQueue(), metrics,
                settings.shedding() == null ? null : new DepthController(settings.shedding(), encoder.numLayers(), shedDepths(encoder)));
        this.reader = new RequestReader(settings.maxInputsPerRequest(), encoder.dimension(), encoder.numLayers());
        int permits = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        this.parsePermits = permits;
        this.parsing = new Semaphore(permits);
        ServerSettings.ClientLimits limits = settings.client();
        this.bodies = new BodyReader(settings.maxBodyBytes(), 2L * permits * settings.maxBodyBytes(), limits.bodyTimeout());
        this.guard = new ClientGuard(limits.apiKey(), limits.maxConnectionsPerClient());
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.jetty.host = settings.host();
            cfg.jetty.port = settings.port();
            cfg.http.prefer405over404 = true;
            cfg.jetty.modifyServer(server -> {
                // Jetty waits for requests in progress before closing on stop (Javalin mounts its servlet inside).
                server.setHandler(new GracefulHandler());
                server.setStopTimeout(Math.max(1, settings.shutdownGrace().toMillis()));
                server.addEventListener(new LifeCycle.Listener() {
                    @Override
                    public void lifeCycleStarting(LifeCycle event) {
                        watchConnections(server);
                    }

                    @Override
                    public void lifeCycleStarted(LifeCycle event) {
                        watchConnections(server);
                    }
                });
            });
            // Jetty answers 408 and closes when a body that has started arriving falls below this rate
            cfg.jetty.modifyHttpConfiguration(http -> http.setMinRequestDataRate(limits.minBodyBytesPerSecond()));
            cfg.routes.post("/v1/embeddings", ctx -> embed(ctx, Endpoint.OPENAI));
            cfg.routes.post("/embed", ctx -> embed(ctx, Endpoint.TEI));
            cfg.routes.get("/health", this::health);
            cfg.routes.get("/info", this::info);
            cfg.routes.get("/metrics", this::scrape);
            cfg.routes.error(404, "*", ctx -> json(ctx, 404, ResponseWriter.teiError(ApiException.badRequest(null,
                    "no such endpoint: " + ctx.method() + " " + ctx.path() + "; try POST /v1/embeddings, POST /embed, GET /health, GET /info, GET /metrics"))));
            cfg.routes.error(405, "*", ctx -> json(ctx, 405, ResponseWriter.teiError(ApiException.badRequest(null,
                    "method " + ctx.method() + " is not allowed on " + ctx.path()))));
            cfg.routes.exception(Exception.class, (e, ctx) -> json(ctx, 500, ResponseWriter.teiError(internalFault(ctx, e))));
        });
    }

    /** Connections are counted per client address by the guard (a no-op without a cap). */
    private void watchConnections(Server server) {
        for (Connector c : server.getConnectors()) c.addBean(guard);
    }

    /** Logs an internal fault with a fresh request id; what the client gets names only the id. */
    private static ApiException internalFault(Context ctx, Throwable e) {
        String id = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1);
        LOG.error("request {} ({} {}) failed", id, ctx.method(), ctx.path(), e);
        ctx.header("x-request-id", id);
        return ApiException.internal("internal error (request id " + id + "); the server log has the details");
    }

    /** Starts listening; {@link #port()} says where. */
    public static EmbeddingServer start(EarlyExitEncoder encoder, ServerSettings settings) {
        EmbeddingServer s = new EmbeddingServer(encoder, settings);
        try {
            s.app.start();
        } catch (RuntimeException e) {
            s.scheduler.close(java.time.Duration.ZERO);
            throw e;
        }
        return s;
    }

    public int port() {
        return app.port();
    }

    public ServeMetrics metrics() {
        return metrics;
    }

    private void embed(Context ctx, Endpoint endpoint) {
        long start = System.nanoTime();
        int status;
        try {
            respond(ctx, endpoint);
            status = 200;
        } catch (RuntimeException e) {
            ApiException a = e instanceof ApiException api ? api : internalFault(ctx, e);
            status = a.status;
            writeError(ctx, endpoint, a);
        }
        metrics.request(endpoint, status, System.nanoTime() - start);
    }

    private void writeError(Context ctx, Endpoint endpoint, ApiException e) {
        if (e.status != 500) metrics.rejected(e.rejection());
        if (e.retryAfterSeconds > 0) ctx.header("Retry-After", Integer.toString(e.retryAfterSeconds));
        json(ctx, e.status, endpoint == Endpoint.OPENAI ? ResponseWriter.openAiError(e) : ResponseWriter.teiError(e));
    }

    private void respond(Context ctx, Endpoint endpoint) {
        if (closing) throw ApiException.unavailable("the server is shutting down");
        guard.authorize(ctx);
        Admitted admitted;
        try (BodyReader.Body body = bodies.read(ctx)) {
            try {
                parsing.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApiException.unavailable("the server is shutting down");
            }
            try {
                admitted = admit(body.bytes, endpoint);
            } finally {
                parsing.release();
            }
        }
        EmbedRequest req = admitted.options();
        List<TokenizedText> tokens = admitted.tokens();
        ExitPolicy policy = settings.defaultPolicy().with(req.theta(), null, null, req.depth());
        encoder.warnIfUncalibrated(policy);
        boolean modelNormalizes = encoder.config().normalize();
        boolean raw = req.normalize() == EmbedRequest.Normalize.NO && modelNormalizes;
        List<CompletableFuture<BatchScheduler.Served>> futures;
        try {
            futures = scheduler.submit(tokens, policy, raw, req.shed() == null || req.shed());
        } catch (BatchScheduler.QueueFullException e) {
            throw ApiException.overloaded(e.getMessage(), e.retryAfterSeconds);
        } catch (BatchScheduler.ClosedException e) {
            throw ApiException.unavailable(e.getMessage());
        }
        List<BatchScheduler.Served> served = await(futures);
        List<Embedding> results = new ArrayList<>(served.size());
        for (BatchScheduler.Served s : served) results.add(s.embedding());
        List<float[]> vectors = new ArrayList<>(results.size());
        for (Embedding e : results) vectors.add(ResponseWriter.vector(e, req, modelNormalizes));
        if (endpoint == Endpoint.OPENAI) {
            json(ctx, 200, ResponseWriter.openAi(served, vectors, req.encoding(), encoder.name(), encoder.numLayers()));
            return;
        }
        StringJoiner layers = new StringJoiner(","), cut = new StringJoiner(","), shed = new StringJoiner(","), depths = new StringJoiner(",");
        int tokenCount = 0;
        for (int i = 0; i < results.size(); i++) {
            layers.add(Integer.toString(results.get(i).exitLayer()));
            if (results.get(i).truncated()) cut.add(Integer.toString(i));
            if (served.get(i).shed()) shed.add(Integer.toString(i));
            depths.add(Integer.toString(served.get(i).served().lastLayer(encoder.numLayers())));
            tokenCount += results.get(i).tokens();
        }
        ctx.header("x-exit-layers", layers.toString());
        ctx.header("x-compute-tokens", Integer.toString(tokenCount));
        if (cut.length() > 0) ctx.header("x-truncated-inputs", cut.toString());
        if (shed.length() > 0) ctx.header("x-shed-inputs", shed.toString());
        ctx.header("x-served-depths", depths.toString());
        json(ctx, 200, ResponseWriter.tei(vectors));
    }

    /** Reads, validates and tokenizes; returns only what the rest of the request needs. */
    private Admitted admit(byte[] body, Endpoint endpoint) {
        JsonNode root = RequestReader.parse(body);
        EmbedRequest req = endpoint == Endpoint.OPENAI ? reader.openAi(root) : reader.tei(root);
        // resolved before anything is tokenized: an unknown name is a 400 naming prompt_name that costs no work
        String prompt = req.promptText(encoder.prompts());
        boolean truncate = req.truncate() == null ? settings.truncateByDefault() : req.truncate();
        String field = endpoint == Endpoint.OPENAI ? "input" : "inputs";
        List<TokenizedText> tokens = new ArrayList<>(req.texts().size());
        for (int i = 0; i < req.texts().size(); i++) {
            TokenizedText t;
            try {
                t = encoder.tokenize(prompt + req.texts().get(i));
            } catch (RuntimeException e) {
                throw ApiException.badRequest(field + "[" + i + "]", "cannot tokenize " + field + "[" + i + "]: " + RequestReader.clip(e.getMessage()));
            }
            if (t.truncated() && !truncate) {
                throw ApiException.tooLarge(field + "[" + i + "]", field + "[" + i + "] is longer than the model's " + encoder.tokenizer().maxLength()
                        + "-token limit; shorten it or send \"truncate\": true");
            }
            tokens.add(t);
        }
        return new Admitted(req.withoutTexts(), tokens);
    }

    private static List<BatchScheduler.Served> await(List<CompletableFuture<BatchScheduler.Served>> futures) {
        List<BatchScheduler.Served> out = new ArrayList<>(futures.size());
        for (CompletableFuture<BatchScheduler.Served> f : futures) {
            try {
                out.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApiException.unavailable("the server is shutting down");
            } catch (ExecutionException | CompletionException e) {
                if (e.getCause() instanceof BatchScheduler.ClosedException c) throw ApiException.unavailable(c.getMessage());
                throw new IllegalStateException("the engine failed on this request's batch", e.getCause());
            }
        }
        return out;
    }

    private void scrape(Context ctx) {
        if (settings.client().protectMetrics()) {
            try {
                guard.authorize(ctx);
            } catch (ApiException e) {
                json(ctx, e.status, ResponseWriter.teiError(e));
                return;
            }
        }
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    private void health(Context ctx) {
        if (closing) json(ctx, 503, "{\"status\":\"shutting_down\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        else json(ctx, 200, "{\"status\":\"ok\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private void info(Context ctx) {
        ExitPolicy p = settings.defaultPolicy();
        json(ctx, 200, ResponseWriter.write(g -> {
            g.writeStartObject();
            g.writeStringField("model_id", encoder.name());
            g.writeNumberField("num_layers", encoder.numLayers());
            g.writeNumberField("dimension", encoder.dimension());
            g.writeStringField("weights", encoder.weightFormat().label());
            g.writeNumberField("max_input_length", encoder.tokenizer().maxLength());
            g.writeNumberField("max_batch_tokens", settings.maxBatchTokens());
            g.writeNumberField("max_client_batch_size", settings.maxInputsPerRequest());
            g.writeNumberField("max_queue", settings.maxQueue());
            g.writeBooleanField("auto_truncate", settings.truncateByDefault());
            g.writeNumberField("theta", p.theta());
            g.writeNumberField("min_layer", p.minLayer());
            g.writeNumberField("patience", p.patience());
            if (p.depth() == ExitPolicy.FULL_DEPTH) g.writeNullField("depth");
            else g.writeNumberField("depth", p.depth());
            g.writeStringField("default_policy", p.describe());
            DepthController.Settings shedding = settings.shedding();
            if (shedding == null) g.writeNullField("shedding");
            else {
                g.writeObjectFieldStart("shedding");
                g.writeNumberField("latency_target_ms", shedding.target().toNanos() / 1e6);
                g.writeNumberField("floor_depth", shedding.floorDepth());
                g.writeEndObject();
            }
            g.writeBooleanField("early_exit_calibrated", encoder.calibration().recommendsExit());
            g.writeArrayFieldStart("exit_calibration");
            for (String line : encoder.calibration().summaries()) g.writeString(line);
            g.writeEndArray();
            g.writeObjectFieldStart("prompts");
            for (var e : encoder.prompts().byName().entrySet()) g.writeStringField(e.getKey(), e.getValue());
            g.writeEndObject();
            if (encoder.prompts().defaultName() == null) g.writeNullField("default_prompt_name");
            else g.writeStringField("default_prompt_name", encoder.prompts().defaultName());
            g.writeEndObject();
        }));
    }

    private static void json(Context ctx, int status, byte[] body) {
        ctx.status(status).contentType("application/json").result(body);
    }

    /** The heap this server can use at most with its model and settings, term by term. */
    public MemoryPlan memoryPlan() {
        int maxLength = encoder.tokenizer().maxLength();
        return MemoryPlan.of(encoder.config(), encoder.weightFormat(), maxLength, encoder.workspaceTokens(settings.maxBatchTokens(), maxLength),
                settings, parsePermits, bodies.budgetBytes());
    }

    /** Bytes of request bodies that may be in memory at once (2 x parse permits x max body bytes). */
    long bodyBudgetBytes() {
        return bodies.budgetBytes();
    }

    /** Graceful stop: refuse new requests (503), finish queued work, let open responses go out, close the port. */
    @Override
    public void close() {
        closing = true;
        scheduler.close(settings.shutdownGrace());
        app.stop();
        bodies.close();
    }
}
