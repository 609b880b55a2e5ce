package dev.leap4j.tensor;

import dev.leap4j.api.Leap4j;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checks as a user meets them: in JVMs started the way Spring Boot's run goal or a bare java command starts them. */
class RuntimeCheckJvmTest {
    /** Run in the child JVM: "slow" prints the slow-path reasons; "load" loads a model and reports what happened. */
    public static void main(String[] args) throws Exception {
        if (args[0].equals("slow")) {
            System.out.println("reasons=" + String.join("|", RuntimeCheck.slowPathReasons()));
            return;
        }
        try (Leap4j m = Leap4j.load("all-minilm-l6-v2", Path.of(args[1]), 1)) {
            System.out.println("loaded " + m.name());
        } catch (IllegalStateException e) {
            System.out.println("refused: " + e.getMessage());
        }
    }

    static String child(List<String> jvmFlags, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), RuntimeCheckJvmTest.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void aC1OnlyJvmIsNamedWithItsFlag() throws Exception {
        String out = child(List.of("--add-modules", "jdk.incubator.vector", "-XX:TieredStopAtLevel=1"), "slow");
        assertTrue(out.contains("reasons=the JVM stops at compilation tier 1 (-XX:TieredStopAtLevel=1)"), out);
        out = child(List.of("--add-modules", "jdk.incubator.vector", "-Xint"), "slow");
        assertTrue(out.contains("reasons=the JVM runs without a JIT compiler (-Xint)"), out);
        out = child(List.of("--add-modules", "jdk.incubator.vector"), "slow");
        assertTrue(out.contains("reasons=\n") || out.strip().endsWith("reasons="), out);
    }

    @Test
    void aJvmWithoutTheVectorModuleIsRefusedAtLoadInOneLine() throws Exception {
        String out = child(List.of(), "load", Path.of("target/model-cache").toAbsolutePath().toString());
        assertTrue(out.contains("refused: leap4j needs the JDK's Vector API: start the JVM with --add-modules jdk.incubator.vector"), out);
    }
}
