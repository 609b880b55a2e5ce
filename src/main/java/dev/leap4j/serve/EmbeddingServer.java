package dev.leap4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.exit.Embedding;
import dev.leap4j.exit.ExitPolicy;
import dev.leap4j.tokenize.TokenizedText;
import io.javalin.Javalin;
import io.javalin.http.Context;
import org.eclipse.jetty.server.handler.GracefulHandler;

import java.io.IOException;
import java.io.InputStream;
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
 * Memory stays bounded whatever clients send: bodies are read only by the few handlers holding a parse permit
 * (at most that many bodies, each under the size limit, are in memory at once), a waiting request keeps only
 * its token ids, and the queue holds a bounded number of inputs of bounded length. {@link #close()} is graceful: new requests get 503, queued work finishes, open responses are
 * written, then the port closes. The encoder belongs to the caller, who closes it after the server.
 */
public final class EmbeddingServer implements AutoCloseable {
    private final EarlyExitEncoder encoder;
    private final ServerSettings settings;
    private final ServeMetrics metrics;
    private final BatchScheduler scheduler;
    private final RequestReader reader;
    private final Javalin app;
    private final Semaphore parsing;
    private volatile boolean closing;

    /** A request after validation and tokenization: the body and texts are gone, only token ids remain. */
    private record Admitted(EmbedRequest options, List<TokenizedText> tokens) {}

    private EmbeddingServer(EarlyExitEncoder encoder, ServerSettings settings) {
        settings.defaultPolicy().checkDepth(encoder.numLayers());
        this.encoder = encoder;
        this.settings = settings;
        this.metrics = new ServeMetrics(encoder.numLayers());
        this.scheduler = new BatchScheduler(encoder, settings.maxBatchTokens(), settings.maxQueue(), metrics);
        this.reader = new RequestReader(settings.maxInputsPerRequest(), encoder.dimension());
        this.parsing = new Semaphore(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
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
            });
            cfg.routes.post("/v1/embeddings", ctx -> embed(ctx, Endpoint.OPENAI));
            cfg.routes.post("/embed", ctx -> embed(ctx, Endpoint.TEI));
            cfg.routes.get("/health", this::health);
            cfg.routes.get("/info", this::info);
            cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
            cfg.routes.error(404, "*", ctx -> json(ctx, 404, ResponseWriter.teiError(ApiException.badRequest(null,
                    "no such endpoint: " + ctx.method() + " " + ctx.path() + "; try POST /v1/embeddings, POST /embed, GET /health, GET /info, GET /metrics"))));
            cfg.routes.error(405, "*", ctx -> json(ctx, 405, ResponseWriter.teiError(ApiException.badRequest(null,
                    "method " + ctx.method() + " is not allowed on " + ctx.path()))));
            cfg.routes.exception(Exception.class, (e, ctx) -> json(ctx, 500, ResponseWriter.teiError(ApiException.internal("internal error: " + e))));
        });
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
        } catch (ApiException e) {
            status = e.status;
            if (e.status != 500) metrics.rejected(e.rejection());
            if (e.retryAfterSeconds > 0) ctx.header("Retry-After", Integer.toString(e.retryAfterSeconds));
            json(ctx, e.status, endpoint == Endpoint.OPENAI ? ResponseWriter.openAiError(e) : ResponseWriter.teiError(e));
        }
        metrics.request(endpoint, status, System.nanoTime() - start);
    }

    private void respond(Context ctx, Endpoint endpoint) {
        if (closing) throw ApiException.unavailable("the server is shutting down");
        Admitted admitted;
        try {
            parsing.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("the server is shutting down");
        }
        try {
            admitted = admit(ctx, endpoint);
        } finally {
            parsing.release();
        }
        EmbedRequest req = admitted.options();
        List<TokenizedText> tokens = admitted.tokens();
        ExitPolicy policy = req.theta() == null ? settings.defaultPolicy() : settings.defaultPolicy().withTheta(req.theta());
        boolean modelNormalizes = encoder.config().normalize();
        boolean raw = req.normalize() == EmbedRequest.Normalize.NO && modelNormalizes;
        List<CompletableFuture<Embedding>> futures;
        try {
            futures = scheduler.submit(tokens, policy, raw);
        } catch (BatchScheduler.QueueFullException e) {
            throw ApiException.overloaded(e.getMessage(), e.retryAfterSeconds);
        } catch (BatchScheduler.ClosedException e) {
            throw ApiException.unavailable(e.getMessage());
        }
        List<Embedding> results = await(futures);
        List<float[]> vectors = new ArrayList<>(results.size());
        for (Embedding e : results) vectors.add(ResponseWriter.vector(e, req, modelNormalizes));
        if (endpoint == Endpoint.OPENAI) {
            json(ctx, 200, ResponseWriter.openAi(results, vectors, req.encoding(), encoder.name()));
            return;
        }
        StringJoiner layers = new StringJoiner(","), cut = new StringJoiner(",");
        int tokenCount = 0;
        for (int i = 0; i < results.size(); i++) {
            layers.add(Integer.toString(results.get(i).exitLayer()));
            if (results.get(i).truncated()) cut.add(Integer.toString(i));
            tokenCount += results.get(i).tokens();
        }
        ctx.header("x-exit-layers", layers.toString());
        ctx.header("x-compute-tokens", Integer.toString(tokenCount));
        if (cut.length() > 0) ctx.header("x-truncated-inputs", cut.toString());
        json(ctx, 200, ResponseWriter.tei(vectors));
    }

    /** Reads, validates and tokenizes; returns only what the rest of the request needs. */
    private Admitted admit(Context ctx, Endpoint endpoint) {
        JsonNode root = RequestReader.parse(readBody(ctx));
        EmbedRequest req = endpoint == Endpoint.OPENAI ? reader.openAi(root) : reader.tei(root);
        boolean truncate = req.truncate() == null ? settings.truncateByDefault() : req.truncate();
        String field = endpoint == Endpoint.OPENAI ? "input" : "inputs";
        List<TokenizedText> tokens = new ArrayList<>(req.texts().size());
        for (int i = 0; i < req.texts().size(); i++) {
            TokenizedText t;
            try {
                t = encoder.tokenize(req.texts().get(i));
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

    private static List<Embedding> await(List<CompletableFuture<Embedding>> futures) {
        List<Embedding> out = new ArrayList<>(futures.size());
        for (CompletableFuture<Embedding> f : futures) {
            try {
                out.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApiException.unavailable("the server is shutting down");
            } catch (ExecutionException | CompletionException e) {
                if (e.getCause() instanceof BatchScheduler.ClosedException c) throw ApiException.unavailable(c.getMessage());
                throw ApiException.internal("the engine failed on this request's batch: " + e.getCause());
            }
        }
        return out;
    }

    /**
     * The body, or 413 past the limit. An over-limit body is still read and discarded up to a few times the
     * limit (never kept): a client that is still sending when the server answers and closes would otherwise see
     * a broken pipe instead of the 413. Beyond that cap the connection is simply closed.
     */
    private byte[] readBody(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        int limit = settings.maxBodyBytes();
        try (InputStream in = ctx.req().getInputStream()) {
            if (declared > limit) {
                drain(in, 4L * limit);
                throw ApiException.tooLarge(null, "the request body has " + declared + " bytes; the limit is " + limit);
            }
            byte[] body = in.readNBytes(limit + 1);
            if (body.length > limit) {
                drain(in, 3L * limit);
                throw ApiException.tooLarge(null, "the request body exceeds the limit of " + limit + " bytes");
            }
            return body;
        } catch (IOException e) {
            throw ApiException.badRequest(null, "could not read the request body: " + e.getMessage());
        }
    }

    private static void drain(InputStream in, long max) throws IOException {
        byte[] sink = new byte[8192];
        for (long read = 0; read < max; ) {
            int n = in.read(sink, 0, (int) Math.min(sink.length, max - read));
            if (n < 0) return;
            read += n;
        }
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
            g.writeNumberField("max_input_length", encoder.tokenizer().maxLength());
            g.writeNumberField("max_batch_tokens", settings.maxBatchTokens());
            g.writeNumberField("max_client_batch_size", settings.maxInputsPerRequest());
            g.writeNumberField("max_queue", settings.maxQueue());
            g.writeBooleanField("auto_truncate", settings.truncateByDefault());
            g.writeNumberField("theta", p.theta());
            g.writeNumberField("min_layer", p.minLayer());
            g.writeNumberField("patience", p.patience());
            g.writeEndObject();
        }));
    }

    private static void json(Context ctx, int status, byte[] body) {
        ctx.status(status).contentType("application/json").result(body);
    }

    /** Graceful stop: refuse new requests (503), finish queued work, let open responses go out, close the port. */
    @Override
    public void close() {
        closing = true;
        scheduler.close(settings.shutdownGrace());
        app.stop();
    }
}
