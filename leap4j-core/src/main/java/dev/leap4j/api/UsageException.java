package dev.leap4j.api;

/**
 * A caller's mistake: a setting, an argument or an input file that the caller can fix. Its message is one line
 * that names what is wrong and what would be accepted. The command line answers it with that line and exit code 2;
 * every other {@link IllegalArgumentException} that escapes leap4j is a broken internal rule, reported as a fault
 * with its stack trace.
 */
public class UsageException extends IllegalArgumentException {
    public UsageException(String message) {
        super(message);
    }

    public UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
