package dev.leap4j.spark;

import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spark's launcher gives every JVM it starts a list of flags (JavaModuleOptions); the test JVM (Surefire's argLine)
 * and bin/leap4j-spark start theirs without it, so each must carry the whole list. Fails on a Spark upgrade that adds
 * one, naming it.
 */
class JvmFlagsTest {
    @Test
    void theTestJvmAndTheLauncherCarryEveryFlagSparkNeeds() throws Exception {
        List<String> jvm = ManagementFactory.getRuntimeMXBean().getInputArguments();
        List<String> script = Files.readAllLines(Path.of("bin/leap4j-spark")).stream().map(String::strip).toList();
        for (String flag : JavaModuleOptions.defaultModuleOptionArray()) {
            assertTrue(jvm.contains(flag), "Surefire's argLine (spark.jvm.flags in the pom) lacks " + flag);
            assertTrue(script.contains(flag), "bin/leap4j-spark lacks " + flag);
        }
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(), "the engine needs jdk.incubator.vector");
    }
}
