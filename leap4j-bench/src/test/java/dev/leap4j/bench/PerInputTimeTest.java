package dev.leap4j.bench;

import dev.leap4j.TestSeed;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerInputTimeTest {
    /**
     * Synthetic runs: a start-up that differs from run to run by seconds, a warm-up whose inputs are ten times
     * slower, then a steady per-input cost. The marginal time from past the warm-up recovers the steady cost
     * exactly in every run; the old two-process difference of wall times does not.
     */
    @Test
    void marginalTimeRecoversTheSteadyCostWhateverTheStartUp() {
        Random rnd = new Random(TestSeed.next());
        double steadyMs = 0.5 + 3 * rnd.nextDouble();
        int warm = 50, inputs = 1500;
        double[] marginal = new double[5], oldMethod = new double[5];
        for (int run = 0; run < marginal.length; run++) {
            long startUp = (long) (1e9 * (1 + 2 * rnd.nextDouble()));
            long[] done = run(startUp, warm, inputs, steadyMs);
            marginal[run] = PerInputTime.marginalMs(done, 300, 1500 - 1);
            long smallRun = run((long) (1e9 * (1 + 2 * rnd.nextDouble())), warm, 300, steadyMs)[299];
            oldMethod[run] = (done[inputs - 1] - smallRun) / 1e6 / 1200;
        }
        for (double m : marginal) assertEquals(steadyMs, m, 1e-6);
        assertTrue(PerInputTime.spread(marginal) < 1e-6);
        // the old method's repeats scatter by the start-up's spread over 1,200 inputs (up to 2 s / 1,200 = 1.7 ms)
        double worst = 0;
        for (double o : oldMethod) worst = Math.max(worst, Math.abs(o - steadyMs));
        assertTrue(worst > 0.01, "two-process differences should carry start-up noise, got within " + worst + " ms");
    }

    /** done[i] in nanoseconds for a run: start-up, `warm` inputs at ten times the cost, then the steady cost. */
    private static long[] run(long startUpNanos, int warm, int inputs, double steadyMs) {
        long[] done = new long[inputs];
        double t = startUpNanos;
        for (int i = 0; i < inputs; i++) {
            t += (i < warm ? 10 : 1) * steadyMs * 1e6;
            done[i] = Math.round(t);
        }
        return done;
    }

    @Test
    void medianAndPercentileOnSmallCounts() {
        assertEquals(3, PerInputTime.median(new double[]{5, 3, 1}));
        assertEquals(2.5, PerInputTime.median(new double[]{4, 1, 3, 2}));
        assertEquals(7, PerInputTime.median(new double[]{7}));
        double[] hundred = new double[100];
        for (int i = 0; i < 100; i++) hundred[i] = 100 - i;
        assertEquals(99, PerInputTime.p99(hundred));
        assertEquals(1, PerInputTime.p99(new double[]{1}));
        assertEquals(0.8, PerInputTime.spread(new double[]{2, 3, 4, 2.5, 2.25}), 1e-12); // (4 - 2) / 2.5
        assertThrows(IllegalArgumentException.class, () -> PerInputTime.median(new double[0]));
        assertThrows(IllegalArgumentException.class, () -> PerInputTime.marginalMs(new long[10], 5, 5));
        assertThrows(IllegalArgumentException.class, () -> PerInputTime.marginalMs(new long[10], 0, 10));
    }

    /** Lines that arrive in chunks get the time of the chunk that completes them; the count stops at the limit. */
    @Test
    void lineTimesFollowTheChunksThatCompleteEachLine() throws IOException {
        byte[] text = "a\nbb\nccc\ndddd\n".getBytes(StandardCharsets.UTF_8);
        long[] times = LineClock.lineTimes(new ChunkedStream(text, 3), 10);
        assertEquals(4, times.length);
        // chunks "a\nb", "b\nc", "cc\n", "ddd", "d\n": lines end in chunks 1, 2, 3 and 5
        assertTrue(times[0] <= times[1] && times[1] <= times[2] && times[2] <= times[3]);
        long[] two = LineClock.lineTimes(new ChunkedStream(text, 3), 2);
        assertEquals(2, two.length);
        assertArrayEquals(new long[0], LineClock.lineTimes(new ByteArrayInputStream(new byte[0]), 3));
    }

    /** Hands out at most `chunk` bytes per read, as a pipe fed by a buffered writer does. */
    private static final class ChunkedStream extends InputStream {
        private final byte[] data;
        private final int chunk;
        private int pos;

        ChunkedStream(byte[] data, int chunk) {
            this.data = data;
            this.chunk = chunk;
        }

        @Override
        public int read() {
            return pos < data.length ? data[pos++] : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= data.length) return -1;
            int n = Math.min(Math.min(len, chunk), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
