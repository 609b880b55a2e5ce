package dev.leap4j.tensor;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RuntimeCheckTest {
    @Test
    void theTestJvmRunsC2WithTheVectorApi() {
        RuntimeCheck.requireVectorApi();
        assertEquals(List.of(), RuntimeCheck.slowPathReasons(), "surefire's JVM should be a full-speed one");
    }

    @Test
    void eachSlowSettingIsNamedWithItsFlag() {
        assertEquals(List.of(), RuntimeCheck.slowPathReasons(false, "true", "4", "true", "true", 256));
        assertTrue(RuntimeCheck.slowPathReasons(false, "true", "1", "true", "true", 256).getFirst().contains("-XX:TieredStopAtLevel=1"));
        assertEquals(List.of(), RuntimeCheck.slowPathReasons(false, "false", "1", "true", "true", 256),
                "without tiered compilation the stop level does not apply: C2 compiles");
        assertTrue(RuntimeCheck.slowPathReasons(true, null, null, null, null, 256).getFirst().contains("-Xint"));
        assertTrue(RuntimeCheck.slowPathReasons(false, "true", "4", "false", "true", 256).getFirst().contains("-Xint"));
        assertTrue(RuntimeCheck.slowPathReasons(false, "true", "4", "true", "false", 256).getFirst().contains("EnableVectorSupport"));
        assertTrue(RuntimeCheck.slowPathReasons(false, "true", "4", "true", "true", 64).getFirst().contains("64-bit"));
        assertEquals(2, RuntimeCheck.slowPathReasons(false, "true", "1", "true", "false", 256).size());
    }
}
