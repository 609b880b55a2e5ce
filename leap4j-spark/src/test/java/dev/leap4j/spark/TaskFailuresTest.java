package dev.leap4j.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tasks that fail half-way, as an executor lost or a transient fault would make them: Spark reruns them, and the
 * output must equal a clean run row for row, without a row missing or twice; a job whose task keeps failing must
 * leave nothing that reads as a finished output.
 */
class TaskFailuresTest {
    static final String MODEL = "all-minilm-l6-v2";

    /** Fails the task of partition 1 on the attempts below {@code failUntil}, after the rows before it have gone through. */
    static Dataset<Row> failing(Dataset<Row> df, int failUntil) {
        return df.filter((FilterFunction<Row>) r -> {
            TaskContext t = TaskContext.get();
            if (t.partitionId() == 1 && t.attemptNumber() < failUntil && r.getLong(r.fieldIndex("id")) % 7 == 3) {
                throw new IllegalStateException("injected fault, attempt " + t.attemptNumber());
            }
            return true;
        });
    }

    @Test
    void aTaskThatFailsOnceIsRetriedAndTheOutputEqualsACleanRun(@TempDir Path dir) {
        long seed = dev.leap4j.TestSeed.next();
        List<String> texts = Texts.sample(new Random(seed), 60);
        Dataset<Row> df = Texts.frame(LocalSpark.session(), texts).repartition(4);
        EmbedOptions options = EmbedOptions.of(MODEL).withTheta(0.9).withThreads(2).withBatchSize(5);
        List<Row> clean = Leap4jSpark.embed(df, "text", options).collectAsList();

        String out = dir.resolve("out").toString();
        java.util.concurrent.atomic.AtomicInteger failedTasks = new java.util.concurrent.atomic.AtomicInteger();
        org.apache.spark.scheduler.SparkListener counter = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
                if (end.reason() instanceof org.apache.spark.ExceptionFailure) failedTasks.incrementAndGet();
            }
        };
        LocalSpark.session().sparkContext().addSparkListener(counter);
        try {
            Leap4jSpark.embed(failing(df, 1), "text", options).write().mode(SaveMode.ErrorIfExists).parquet(out);
            // the listener bus is asynchronous: give it a moment to deliver the task ends
            for (int i = 0; i < 50 && failedTasks.get() == 0; i++) sleep(100);
        } finally {
            LocalSpark.session().sparkContext().removeSparkListener(counter);
        }
        assertEquals(1, failedTasks.get(), "seed " + seed + ": exactly one task attempt failed, and was retried");
        assertTrue(Files.exists(dir.resolve("out/_SUCCESS")), "the retried job commits");
        List<Row> written = LocalSpark.session().read().parquet(out).collectAsList();
        assertEquals(texts.size(), written.size(), "seed " + seed + ": no row lost or written twice by the failed attempt");
        Set<Long> ids = new HashSet<>();
        for (Row r : written) assertTrue(ids.add(r.getLong(r.fieldIndex("id"))), "row " + r.getLong(r.fieldIndex("id")) + " twice");
        for (Row c : clean) {
            long id = c.getLong(c.fieldIndex("id"));
            Row w = written.stream().filter(r -> r.getLong(r.fieldIndex("id")) == id).findFirst().orElseThrow();
            assertEquals((int) c.getAs(Leap4jSpark.EXIT_LAYER), (int) w.getAs(Leap4jSpark.EXIT_LAYER), "seed " + seed + ", row " + id);
            assertArrayEquals(floats(c), floats(w), "seed " + seed + ", row " + id);
        }
    }

    @Test
    void aJobWhoseTaskKeepsFailingCommitsNothing(@TempDir Path dir) throws Exception {
        Dataset<Row> df = Texts.frame(LocalSpark.session(), Texts.sample(new Random(7), 30)).repartition(3);
        String out = dir.resolve("out").toString();
        Exception e = assertThrows(Exception.class,
                () -> Leap4jSpark.embed(failing(df, Integer.MAX_VALUE), "text", EmbedOptions.of(MODEL).withThreads(2)).write().parquet(out));
        assertTrue(String.valueOf(e.getMessage()).contains("injected fault") || causeMentions(e, "injected fault"), String.valueOf(e));
        assertFalse(Files.exists(dir.resolve("out/_SUCCESS")), "no success marker");
        if (Files.exists(dir.resolve("out"))) {
            try (Stream<Path> files = Files.walk(dir.resolve("out"))) {
                assertEquals(List.of(), files.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList(), "no data file left behind");
            }
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static boolean causeMentions(Throwable t, String text) {
        for (; t != null; t = t.getCause()) if (String.valueOf(t.getMessage()).contains(text)) return true;
        return false;
    }

    static float[] floats(Row r) {
        List<Float> v = r.getList(r.fieldIndex(Leap4jSpark.EMBEDDING));
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) out[i] = v.get(i);
        return out;
    }
}
