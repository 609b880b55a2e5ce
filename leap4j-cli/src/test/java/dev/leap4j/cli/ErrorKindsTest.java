package dev.leap4j.cli;

import dev.leap4j.api.ModelFormatException;
import dev.leap4j.api.UsageException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each kind of failure gets its exit code and its form: one line for the caller's kinds, a trace for a fault. */
class ErrorKindsTest {
    private record Reported(int code, String err) {}

    private static Reported report(Exception e) {
        StringWriter out = new StringWriter();
        int code = Main.report(e, new PrintWriter(out, true));
        return new Reported(code, out.toString());
    }

    @Test
    void aCallersMistakeIsOneLineAndExitTwo() {
        Reported r = report(new UsageException("--depth 13 is out of range: this model has layers 1..12"));
        assertEquals(Main.EXIT_USAGE, r.code());
        assertEquals("leap4j: --depth 13 is out of range: this model has layers 1..12", r.err().strip());
    }

    @Test
    void anUnusableModelFileIsOneLineAndExitFour() {
        Reported r = report(new ModelFormatException("/m/model.safetensors: header length 99999999999 exceeds the file"));
        assertEquals(Main.EXIT_BAD_MODEL_FILE, r.code());
        assertEquals(1, r.err().strip().lines().count());
        assertTrue(r.err().contains("/m/model.safetensors"));
    }

    @Test
    void anIoFaultIsOneLineWithTheSystemsMessageAndExitFive() {
        Reported r = report(new UncheckedIOException(new IOException("/out/report.md: No space left on device")));
        assertEquals(Main.EXIT_IO, r.code());
        assertEquals("leap4j: I/O error: IOException: /out/report.md: No space left on device", r.err().strip());
    }

    @Test
    void aBrokenInternalRuleIsAFaultWithItsTraceNotTheCallersMistake() {
        for (Exception internal : new Exception[]{
                new IllegalArgumentException("ids and type ids differ in length"),
                new IllegalStateException("loss buffers are smaller than (12, 32, 384)"),
                new NullPointerException()}) {
            Reported r = report(internal);
            assertEquals(Main.EXIT_INTERNAL, r.code(), internal.toString());
            assertTrue(r.err().contains("\tat "), "the stack trace is printed for " + internal);
            assertTrue(r.err().contains("internal error"), r.err());
            assertFalse(r.err().startsWith("leap4j: ids"), "not dressed as the caller's mistake");
        }
    }
}
