package dev.leap4j.tensor;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Checks, at model load, that the JVM will run the kernels at speed. The Vector API is fast only once C2 compiles
 * it into SIMD instructions; under the interpreter or C1 alone (Spring Boot's {@code spring-boot:run} adds
 * {@code -XX:TieredStopAtLevel=1} by default) every vector operation runs as its Java fallback, about 30x slower,
 * and nothing else would say so.
 */
public final class RuntimeCheck {
    private static final System.Logger LOG = System.getLogger("dev.leap4j");
    // the JVM's flags cannot change while it runs: one look per JVM, not one per engine
    private static final AtomicBoolean CHECKED = new AtomicBoolean();

    private RuntimeCheck() {}

    /**
     * Fails with one line when the JVM was started without the Vector API module; without this the model loads and
     * the first embedding throws {@code NoClassDefFoundError}.
     */
    public static void requireVectorApi() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            throw new IllegalStateException("leap4j needs the JDK's Vector API: start the JVM with --add-modules jdk.incubator.vector "
                    + "(Maven Surefire/exec: in argLine or jvmArguments; Spring Boot: spring-boot.run.jvmArguments; Spark: "
                    + "spark.driver/executor.extraJavaOptions)");
        }
    }

    /** Logs once per JVM when {@link #slowPathReasons()} finds anything. */
    public static void warnIfSlowPath() {
        if (!CHECKED.compareAndSet(false, true)) return;
        List<String> reasons = slowPathReasons();
        if (reasons.isEmpty()) return;
        LOG.log(System.Logger.Level.WARNING, "leap4j will run about 30x slower than it should: " + String.join("; ", reasons)
                + ". The Vector API needs the C2 compiler: remove -XX:TieredStopAtLevel / -Xint (Spring Boot's spring-boot:run "
                + "adds -XX:TieredStopAtLevel=1 unless the plugin sets <optimizedLaunch>false</optimizedLaunch>)");
    }

    /** Why this JVM would run the kernels without C2's SIMD code; empty when it will not. */
    public static List<String> slowPathReasons() {
        return slowPathReasons(ManagementFactory.getCompilationMXBean() == null, vmOption("TieredCompilation"),
                vmOption("TieredStopAtLevel"), vmOption("UseCompiler"), vmOption("EnableVectorSupport"), vectorBits());
    }

    /**
     * The decision on the JVM's settings as read (null where a flag could not be read), apart from reading them so
     * a test can try every combination.
     */
    static List<String> slowPathReasons(boolean interpreterOnly, String tiered, String stopAtLevel, String useCompiler, String vectorSupport,
                                        int preferredVectorBits) {
        List<String> out = new ArrayList<>();
        if (interpreterOnly || "false".equals(useCompiler)) out.add("the JVM runs without a JIT compiler (-Xint)");
        else if (!"false".equals(tiered) && stopAtLevel != null && parse(stopAtLevel) < 4) {
            out.add("the JVM stops at compilation tier " + stopAtLevel + " (-XX:TieredStopAtLevel=" + stopAtLevel + "), so C2 never runs");
        }
        if ("false".equals(vectorSupport)) out.add("the Vector API's intrinsics are switched off (-XX:-EnableVectorSupport)");
        if (preferredVectorBits < 128) out.add("this CPU or JVM offers no SIMD vectors to the Vector API (" + preferredVectorBits + "-bit)");
        return out;
    }

    private static int parse(String level) {
        try {
            return Integer.parseInt(level.trim());
        } catch (NumberFormatException e) {
            return 4;
        }
    }

    private static String vmOption(String name) {
        try {
            var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return bean == null ? null : bean.getVMOption(name).getValue();
        } catch (RuntimeException | LinkageError e) {
            return null; // not a HotSpot JVM, or a flag this build does not have: nothing to conclude from it
        }
    }

    private static int vectorBits() {
        return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }
}
