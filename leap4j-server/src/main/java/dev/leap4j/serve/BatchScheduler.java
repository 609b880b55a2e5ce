package dev.leap4j.serve;

import dev.leap4j.api.UsageException;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.exit.ExitReplay;
import dev.leap4j.tokenize.TokenizedText;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Dynamic batching across clients. Handler threads enqueue tokenized inputs; one scheduler thread owns the
 * encoder and, whenever it is free, forms the next batch from whatever is queued: the oldest input plus the
 * queued inputs with the same exit policy whose lengths are closest to it, up to a token budget. The engine
 * then runs the batch layer by layer, dropping rows as they exit. An input's result does not depend on its
 * batch-mates: the engine packs rows without padding and its kernels compute each row the same way whatever
 * else is in the batch, so batching changes only when a result arrives, never what it is.
 *
 * <p>With a {@link DepthController}, each batch's depth cap is decided from how long its oldest input has waited,
 * and inputs that allow it are served under the cap; each result says whether it was and at which depth.
 */
public final class BatchScheduler implements AutoCloseable {
    /**
     * Inputs that may share a batch: the engine runs one exit policy per batch; raw outputs need the trace path; an
     * input that opted out of shedding keeps its own setting.
     */
    record BatchKey(ExitPolicy policy, boolean raw, boolean sheddable) {}

    /**
     * One input's result and how it was served.
     *
     * @param shed   whether the depth controller served it with fewer layers than it asked for
     * @param served the rule it was served with (its own unless shed); an offline run with this rule gives the same bits
     */
    public record Served(Embedding embedding, boolean shed, ExitPolicy served) {}

    private static final class Work {
        final TokenizedText text;
        final BatchKey key;
        final long enqueuedNanos;
        final CompletableFuture<Served> result = new CompletableFuture<>();

        Work(TokenizedText text, BatchKey key, long enqueuedNanos) {
            this.text = text;
            this.key = key;
            this.enqueuedNanos = enqueuedNanos;
        }
    }

    /** The queue cannot take the request now; retry after about {@code retryAfterSeconds}. */
    public static final class QueueFullException extends RuntimeException {
        public final int retryAfterSeconds;

        QueueFullException(int queued, int asked, int capacity, int retryAfterSeconds) {
            super("the server is at capacity: " + queued + " inputs queued, " + asked + " more asked, room for " + capacity + "; retry later");
            this.retryAfterSeconds = retryAfterSeconds;
        }
    }

    /** The scheduler is stopping and takes no new work. */
    public static final class ClosedException extends RuntimeException {
        ClosedException() {
            super("the server is shutting down");
        }
    }

    private final EarlyExitEncoder encoder;
    private final int maxBatchTokens, maxQueue;
    private final ServeMetrics metrics;
    private final DepthController controller; // null: never shed
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final List<Work> queue = new ArrayList<>();   // FIFO: index 0 is the oldest
    private volatile int queuedInputs, queuedTokens;
    private volatile double tokensPerSecond;              // smoothed engine rate, for Retry-After
    private boolean closing;
    private final Thread thread;

    public BatchScheduler(EarlyExitEncoder encoder, int maxBatchTokens, int maxQueue, ServeMetrics metrics) {
        this(encoder, maxBatchTokens, maxQueue, metrics, null);
    }

    /** @param controller sheds depth under load; null serves every input at its own setting */
    public BatchScheduler(EarlyExitEncoder encoder, int maxBatchTokens, int maxQueue, ServeMetrics metrics, DepthController controller) {
        if (maxBatchTokens < encoder.tokenizer().maxLength()) {
            throw new UsageException("max batch tokens " + maxBatchTokens + " is below the model's max input length "
                    + encoder.tokenizer().maxLength() + ": a full-length input could never be scheduled");
        }
        if (maxQueue < 1) throw new UsageException("max queue must be >= 1, got " + maxQueue);
        this.encoder = encoder;
        this.maxBatchTokens = maxBatchTokens;
        this.maxQueue = maxQueue;
        this.metrics = metrics;
        this.controller = controller;
        if (metrics != null) metrics.watchQueue(this::queuedInputs, this::queuedTokens);
        if (metrics != null && controller != null) metrics.watchShedding(controller::cap, controller.settings().target());
        this.thread = Thread.ofPlatform().name("leap4j-scheduler").daemon().start(this::loop);
    }

    public int queuedInputs() {
        return queuedInputs;
    }

    public int queuedTokens() {
        return queuedTokens;
    }

    /**
     * Enqueues all inputs of one request, or none (a request is never half admitted), allowing them to be shed. The
     * futures complete in any order with each input's embedding; {@code raw} asks for the un-normalised pooled state.
     *
     * @throws QueueFullException when the queue has no room for all of them
     * @throws ClosedException    after {@link #close()} began
     */
    public List<CompletableFuture<Served>> submit(List<TokenizedText> texts, ExitPolicy policy, boolean raw) {
        return submit(texts, policy, raw, true);
    }

    /** As {@link #submit(List, ExitPolicy, boolean)}; {@code sheddable} false keeps the request's own setting under load. */
    public List<CompletableFuture<Served>> submit(List<TokenizedText> texts, ExitPolicy policy, boolean raw, boolean sheddable) {
        if (texts.isEmpty()) throw new IllegalArgumentException("nothing to embed");
        policy.checkDepth(encoder.numLayers());
        for (TokenizedText t : texts) {
            if (t.length() > encoder.tokenizer().maxLength()) {
                throw new IllegalArgumentException("an input has " + t.length() + " tokens; the model takes at most " + encoder.tokenizer().maxLength());
            }
        }
        BatchKey key = new BatchKey(policy, raw, sheddable);
        long now = System.nanoTime();
        List<CompletableFuture<Served>> out = new ArrayList<>(texts.size());
        lock.lock();
        try {
            if (closing) throw new ClosedException();
            if (queue.size() + texts.size() > maxQueue) {
                throw new QueueFullException(queue.size(), texts.size(), maxQueue - queue.size(), retryAfterSeconds());
            }
            int tokens = 0;
            for (TokenizedText t : texts) {
                Work w = new Work(t, key, now);
                queue.add(w);
                out.add(w.result);
                tokens += t.length();
            }
            queuedInputs = queue.size();
            queuedTokens += tokens;
            if (metrics != null) metrics.admitted(texts.size());
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
        return out;
    }

    /** Seconds until the queue has likely drained, from the engine's recent token rate; at least 1. */
    private int retryAfterSeconds() {
        double rate = tokensPerSecond;
        if (!(rate > 0)) return 1;
        return (int) Math.max(1, Math.min(60, Math.ceil(queuedTokens / rate)));
    }

    private void loop() {
        while (true) {
            List<Work> batch;
            int cap;
            lock.lock();
            try {
                while (queue.isEmpty() && !closing) notEmpty.awaitUninterruptibly();
                if (queue.isEmpty()) return;
                // the oldest input's wait is what the latency target is about; it decides this batch's cap
                cap = controller == null ? encoder.numLayers() : controller.next(System.nanoTime() - queue.getFirst().enqueuedNanos);
                batch = takeBatch();
            } finally {
                lock.unlock();
            }
            run(batch, cap);
        }
    }

    /**
     * The oldest input always goes (so no input waits behind more than the inputs queued before it), then the
     * same-policy inputs nearest to it in length, while the token budget lasts. The engine has no padding to
     * save; grouping by length keeps short inputs from sharing a batch, and so a finishing time, with long ones.
     */
    private List<Work> takeBatch() {
        Work head = queue.getFirst();
        int headLength = head.text.length();
        List<Work> candidates = new ArrayList<>();
        for (Work w : queue) if (w.key.equals(head.key)) candidates.add(w);
        // stable: among equal distances the older input comes first, and the head (distance 0, oldest) leads
        candidates.sort(Comparator.comparingInt(w -> Math.abs(w.text.length() - headLength)));
        List<Work> batch = new ArrayList<>();
        int tokens = 0;
        for (Work w : candidates) {
            if (tokens + w.text.length() > maxBatchTokens) continue;
            batch.add(w);
            tokens += w.text.length();
        }
        Set<Work> taken = Collections.newSetFromMap(new IdentityHashMap<>());
        taken.addAll(batch);
        queue.removeIf(taken::contains);
        queuedInputs = queue.size();
        queuedTokens -= tokens;
        return batch;
    }

    private void run(List<Work> batch, int cap) {
        BatchKey key = batch.getFirst().key;
        ExitPolicy served = key.sheddable() ? DepthController.apply(key.policy(), cap, encoder.numLayers()) : key.policy();
        boolean shed = !served.equals(key.policy());
        List<TokenizedText> inputs = new ArrayList<>(batch.size());
        int tokens = 0;
        for (Work w : batch) {
            inputs.add(w.text);
            tokens += w.text.length();
        }
        long start = System.nanoTime();
        List<Embedding> results;
        try {
            results = key.raw() ? rawEmbeddings(inputs, served) : encoder.embedTokens(inputs, served);
        } catch (Throwable t) {
            // A failing batch fails its own requests only; the loop lives on for everyone else.
            if (metrics != null) metrics.engineFailure();
            for (Work w : batch) w.result.completeExceptionally(t);
            return;
        }
        long nanos = System.nanoTime() - start;
        double rate = tokens / Math.max(1e-9, nanos / 1e9);
        tokensPerSecond = tokensPerSecond == 0 ? rate : 0.8 * tokensPerSecond + 0.2 * rate;
        if (metrics != null) metrics.batch(batch.size(), tokens, nanos);
        if (metrics != null && shed) metrics.shed(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Work w = batch.get(i);
            Embedding e = results.get(i);
            if (metrics != null) metrics.input(e.exitLayer(), e.tokens(), e.truncated(), start - w.enqueuedNanos);
            w.result.complete(new Served(e, shed, served));
        }
    }

    /**
     * Un-normalised outputs for a model whose pipeline normalises: a full-depth trace, then the same exit rule
     * replayed on the same floats, so the exit layer equals a live run's and the vector is its pre-norm state.
     */
    private List<Embedding> rawEmbeddings(List<TokenizedText> inputs, ExitPolicy policy) {
        float[][][] trace = encoder.trace(inputs);
        List<Embedding> out = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            int layer = ExitReplay.exitLayer(trace[i], policy);
            out.add(new Embedding(ExitReplay.embedding(trace[i], layer, false), layer, inputs.get(i).length(), inputs.get(i).truncated()));
        }
        return out;
    }

    /**
     * Stops taking work, finishes what is queued (within {@code grace}), then fails whatever is left. The
     * encoder stays open: its owner closes it.
     */
    public void close(Duration grace) {
        lock.lock();
        try {
            closing = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(Math.max(1, grace.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            for (Work w : queue) w.result.completeExceptionally(new ClosedException());
            queue.clear();
            queuedInputs = 0;
            queuedTokens = 0;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
