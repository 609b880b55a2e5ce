package dev.leap4j;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Seeds for randomized tests that can be replayed: {@code -Dleap4j.test.seed=N} makes every draw return N, and a
 * failing test prints the seeds it drew with the flag that replays them, e.g.
 * {@code ./mvnw -pl leap4j-core verify -Dtest=KernelsTest -Dleap4j.test.seed=-4242}.
 * Registered for every test class through JUnit's extension auto-detection (src/test/resources/META-INF/services).
 */
public final class TestSeed implements TestWatcher {
    public static final String PROPERTY = "leap4j.test.seed";
    // Seeds drawn since the last test finished: the test instance's field initialisers, @BeforeAll and the test body
    // all draw before the watcher hears of the result, and tests in one JVM run one after another.
    private static final List<Long> DRAWN = new ArrayList<>();
    private static final SplittableRandom SOURCE = new SplittableRandom();

    public static synchronized long next() {
        String fixed = System.getProperty(PROPERTY);
        long seed = fixed == null || fixed.isBlank() ? SOURCE.nextLong() : Long.parseLong(fixed.trim());
        DRAWN.add(seed);
        return seed;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        List<Long> seeds = take();
        if (seeds.isEmpty()) return;
        System.err.printf("%s.%s failed with seed(s) %s; replay one with -D%s=%d -Dtest=%s%n",
                context.getRequiredTestClass().getSimpleName(), context.getDisplayName(), seeds, PROPERTY, seeds.getFirst(),
                context.getRequiredTestClass().getSimpleName());
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        take();
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        take();
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        take();
    }

    private static synchronized List<Long> take() {
        List<Long> out = new ArrayList<>(DRAWN);
        DRAWN.clear();
        return out;
    }
}
