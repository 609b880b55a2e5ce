package dev.leap4j.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Per-input time of a whole command as a user runs it (tokenization, the model, pooling, JSON output): starts the
 * command, reads its standard output and notes when each line arrives, then prints the marginal time between line
 * FROM and line TO ({@link PerInputTime}). The command must write one line per input, in order, to standard output.
 * A line is seen when the command's output buffer reaches the pipe (every few lines), which blurs single lines but
 * not the time across a thousand of them. This process only waits on the pipe, so it takes no CPU from the command.
 * Usage: LineClock FROM TO COMMAND [ARGUMENT ...]   prints {@code RESULT ms_per_input=... from=... to=...}
 */
public final class LineClock {
    private LineClock() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) throw new IllegalArgumentException("usage: LineClock FROM TO COMMAND [ARGUMENT ...]");
        int from = Integer.parseInt(args[0]), to = Integer.parseInt(args[1]);
        List<String> command = Arrays.asList(args).subList(2, args.length);
        Path err = Files.createTempFile("lineclock", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
            long[] done;
            try (InputStream out = p.getInputStream()) {
                done = lineTimes(out, to + 1);
                // drained so the command never blocks on a full pipe
                out.transferTo(java.io.OutputStream.nullOutputStream());
            }
            int rc = p.waitFor();
            if (rc != 0) throw new IllegalStateException(command.get(0) + " exited with " + rc + ": " + tail(err));
            if (done.length <= to) throw new IllegalStateException("the command wrote " + done.length + " lines, fewer than " + (to + 1));
            System.out.printf(Locale.ROOT, "RESULT ms_per_input=%.4f from=%d to=%d%n", PerInputTime.marginalMs(done, from, to), from, to);
        } finally {
            Files.deleteIfExists(err);
        }
    }

    /** When each of the first {@code lines} lines was complete (System.nanoTime); fewer if the stream ends first. */
    static long[] lineTimes(InputStream in, int lines) throws IOException {
        long[] done = new long[lines];
        int seen = 0;
        byte[] buf = new byte[1 << 16];
        for (int n; seen < lines && (n = in.read(buf)) > 0; ) {
            long now = System.nanoTime();
            for (int i = 0; i < n && seen < lines; i++) if (buf[i] == '\n') done[seen++] = now;
        }
        return Arrays.copyOf(done, seen);
    }

    private static String tail(Path err) throws IOException {
        String s = Files.readString(err);
        return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
    }
}
