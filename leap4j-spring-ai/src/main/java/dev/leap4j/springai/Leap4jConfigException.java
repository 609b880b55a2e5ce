package dev.leap4j.springai;

/**
 * A {@code leap4j.*} property that cannot work. {@link Leap4jFailureAnalyzer} turns it into Spring Boot's start-up
 * report: the one line naming the property, instead of the five nested bean-creation exceptions around it.
 */
public final class Leap4jConfigException extends dev.leap4j.api.UsageException {
    public Leap4jConfigException(String message) {
        super(message);
    }
}
