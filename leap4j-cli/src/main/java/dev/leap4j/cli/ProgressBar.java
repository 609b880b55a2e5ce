package dev.leap4j.cli;

import dev.leap4j.eval.Progress;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr, redrawn in place at most a few times a second, with elapsed time, the rate
 * so far and a rough remaining time. When stderr is not a terminal it prints one line per task at its end instead, so logs
 * stay readable.
 */
final class ProgressBar implements Progress {
    private static final int WIDTH = 30;
    private final PrintStream err;
    private final boolean terminal;
    private String task;
    private long taskStart, lastDraw;

    ProgressBar(PrintStream err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    static ProgressBar stderr() {
        return new ProgressBar(System.err, System.console() != null);
    }

    @Override
    public synchronized void update(String name, long done, long total) {
        long now = System.nanoTime();
        if (!name.equals(task)) {
            task = name;
            taskStart = now;
            lastDraw = 0;
        }
        boolean end = done >= total;
        if (!end && now - lastDraw < 200_000_000L) return;
        lastDraw = now;
        double secs = (now - taskStart) / 1e9;
        if (!terminal) {
            if (end) err.printf(Locale.ROOT, "%s: %d/%d done in %.1f s%n", name, done, total, secs);
            return;
        }
        double frac = total == 0 ? 1 : (double) done / total;
        int filled = (int) Math.round(frac * WIDTH);
        String eta = done > 0 && !end ? String.format(Locale.ROOT, ", ~%.0f s left", secs * (total - done) / done) : "";
        String rate = secs > 0 ? String.format(Locale.ROOT, " %.1f/s", done / secs) : "";
        err.printf(Locale.ROOT, "\r%-16s [%s%s] %5.1f%% %d/%d %.0f s%s%s\033[K", name, "#".repeat(filled), " ".repeat(WIDTH - filled),
                100 * frac, done, total, secs, rate, eta);
        if (end) err.println();
        err.flush();
    }
}
