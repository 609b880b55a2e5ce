package dev.leap4j.spark;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The job's progress on the driver, a line at most every {@code intervalNanos}: tasks done of the tasks submitted so
 * far, their rate and a rough time left. Counted from Spark's own task events on the driver, so reruns of failed
 * or speculative tasks show as extra work, never as extra output (the statistics come from the written files).
 */
final class ProgressLog extends SparkListener {
    private final PrintStream out;
    private final long intervalNanos;
    private final long start = System.nanoTime();
    private final AtomicLong submitted = new AtomicLong(), done = new AtomicLong(), lastLine = new AtomicLong(System.nanoTime());

    ProgressLog(PrintStream out, long intervalNanos) {
        this.out = out;
        this.intervalNanos = intervalNanos;
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted event) {
        submitted.addAndGet(event.stageInfo().numTasks());
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
        long d = done.incrementAndGet();
        long now = System.nanoTime(), last = lastLine.get();
        if (now - last < intervalNanos || !lastLine.compareAndSet(last, now)) return;
        out.println(line(d, submitted.get(), (now - start) / 1e9));
    }

    static String line(long done, long submitted, double seconds) {
        double rate = seconds > 0 ? done / seconds : 0;
        String left = rate > 0 && submitted > done ? String.format(Locale.ROOT, ", ~%.0f s left in the stages submitted so far", (submitted - done) / rate) : "";
        return String.format(Locale.ROOT, "progress: %d of %d tasks done in %.0f s (%.2f tasks/s)%s", done, submitted, seconds, rate, left);
    }
}
