package dev.leap4j.springai;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Reports a bad {@code leap4j.*} property at start-up as its one line and the fix, not as a chain of bean errors. */
class Leap4jFailureAnalyzer extends AbstractFailureAnalyzer<Leap4jConfigException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, Leap4jConfigException cause) {
        return new FailureAnalysis(cause.getMessage(), "Correct the leap4j.* property in the application's configuration.", cause);
    }
}
