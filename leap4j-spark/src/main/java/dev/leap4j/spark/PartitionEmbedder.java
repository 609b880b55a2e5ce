package dev.leap4j.spark;

import dev.leap4j.api.Leap4j;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.api.Prompt;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Embeds one partition in batches: reads batchSize rows, embeds the good ones in one engine call, and hands the
 * rows back with the five result columns before reading more, so a partition never sits in memory whole. A row
 * whose text cannot be embedded gets nulls and a reason; it never fails the task.
 */
final class PartitionEmbedder implements MapPartitionsFunction<Row, Row> {
    private final EmbedOptions options;
    private final int inputWidth;   // the caller's columns, copied through
    private final int utf8Index;    // the text column's bytes, as Spark stores them

    PartitionEmbedder(EmbedOptions options, int inputWidth, int utf8Index) {
        this.options = options;
        this.inputWidth = inputWidth;
        this.utf8Index = utf8Index;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) return Collections.emptyIterator();   // an empty partition loads no model
        Leap4j model = ExecutorModels.get(options);
        // a bad option is the caller's mistake, not a bad row: it fails the task before any row is read
        ExitPolicy policy = options.policy(model);
        Prompt prompt = options.prompt(model);
        return new Iterator<>() {
            private final ArrayDeque<Row> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                if (ready.isEmpty() && rows.hasNext()) ready.addAll(embedBatch(model, policy, prompt, rows));
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return ready.poll();
            }
        };
    }

    private List<Row> embedBatch(Leap4j model, ExitPolicy policy, Prompt prompt, Iterator<Row> rows) {
        List<Row> batch = new ArrayList<>(options.batchSize());
        while (batch.size() < options.batchSize() && rows.hasNext()) batch.add(rows.next());
        int n = batch.size();
        String[] errors = new String[n];
        Embedding[] results = new Embedding[n];
        List<String> texts = new ArrayList<>(n);
        List<Integer> slots = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] utf8 = (byte[]) batch.get(i).get(utf8Index);
            String text = decode(utf8);
            errors[i] = problem(utf8, text);
            if (errors[i] == null) {
                texts.add(prompt.apply(text));
                slots.add(i);
            }
        }
        if (!texts.isEmpty()) embedInto(model, policy, texts, slots, results, errors);
        List<Row> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(withResult(batch.get(i), results[i], errors[i]));
        return out;
    }

    private static void embedInto(Leap4j model, ExitPolicy policy, List<String> texts, List<Integer> slots,
                                  Embedding[] results, String[] errors) {
        try {
            List<Embedding> es = model.embed(texts, policy);
            for (int j = 0; j < es.size(); j++) results[slots.get(j)] = es.get(j);
        } catch (RuntimeException batchFailed) {
            // One text the engine refuses must not cost its neighbours: embed them one by one, which gives the same
            // bits (an input's result does not depend on its batch) and pins the failure on its own row.
            for (int j = 0; j < texts.size(); j++) {
                try {
                    results[slots.get(j)] = model.embed(List.of(texts.get(j)), policy).getFirst();
                } catch (RuntimeException e) {
                    errors[slots.get(j)] = "cannot embed: " + oneLine(e);
                }
            }
        }
    }

    private Row withResult(Row in, Embedding e, String error) {
        Object[] values = new Object[inputWidth + Leap4jSpark.RESULT_COLUMNS.size()];
        for (int c = 0; c < inputWidth; c++) values[c] = in.get(c);
        if (e != null) {
            values[inputWidth] = e.vector();
            values[inputWidth + 1] = e.exitLayer();
            values[inputWidth + 2] = e.tokens();
            values[inputWidth + 3] = e.truncated();
        }
        values[inputWidth + 4] = error;
        return RowFactory.create(values);
    }

    /** Why a text cannot be embedded, in one line; null when it can. */
    static String problem(byte[] utf8, String decoded) {
        if (utf8 == null) return "text is null";
        if (utf8.length == 0) return "text is empty";
        if (decoded == null) {
            return "text is not valid UTF-8 at byte " + malformedAt(utf8)
                    + " (a broken multi-byte sequence, or an unpaired surrogate encoded as bytes)";
        }
        if (decoded.isBlank()) return "text is blank (only whitespace)";
        return null;
    }

    /**
     * Strict UTF-8, or null. Spark keeps a string's bytes as they came (a text or Parquet file may hold any), and its
     * own conversion to a Java string would put U+FFFD in place of a bad sequence and embed that without a word.
     */
    static String decode(byte[] utf8) {
        if (utf8 == null) return null;
        try {
            return strictDecoder().decode(ByteBuffer.wrap(utf8)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    private static int malformedAt(byte[] utf8) {
        ByteBuffer in = ByteBuffer.wrap(utf8);
        CoderResult r = strictDecoder().decode(in, CharBuffer.allocate(utf8.length), true);
        return r.isError() ? in.position() : -1;
    }

    private static CharsetDecoder strictDecoder() {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        m = m.replaceAll("\\s+", " ").strip();
        return m.length() > 300 ? m.substring(0, 300) + "..." : m;
    }
}
