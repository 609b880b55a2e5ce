package dev.leap4j.serve;

import dev.leap4j.api.ExitPolicy;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DepthControllerTest {
    static final long MS = 1_000_000L;

    @Test
    void stepsDownAboveTheTargetToTheFloorAndBackUpBelowHalfOfIt() {
        DepthController c = new DepthController(new DepthController.Settings(Duration.ofMillis(200), 7), 12);
        assertEquals(12, c.cap(), "nothing shed until a wait exceeds the target");
        assertEquals(12, c.next(200 * MS), "at the target exactly: unchanged");
        int[] down = new int[5];
        for (int i = 0; i < down.length; i++) down[i] = c.next(300 * MS);
        assertEquals("[11, 10, 9, 8, 7]", java.util.Arrays.toString(down), "one layer per batch while the wait is under two targets");
        assertEquals(7, c.next(300 * MS), "never below the floor");
        c.next(0);
        c.next(0);
        assertEquals(9, c.cap());
        assertEquals(7, c.next(450 * MS), "two whole targets waited: two layers at once, still not below the floor");
        DepthController deep = new DepthController(new DepthController.Settings(Duration.ofMillis(200), 2), 12);
        assertEquals(7, deep.next(1000 * MS), "five targets waited: five layers off at once");
        // between half the target and the target: hysteresis keeps the cap where it is
        assertEquals(7, c.next(150 * MS));
        assertEquals(7, c.next(100 * MS));
        int[] up = new int[6];
        for (int i = 0; i < up.length; i++) up[i] = c.next(99 * MS);
        assertEquals("[8, 9, 10, 11, 12, 12]", java.util.Arrays.toString(up), "back to the ceiling as the queue drains");
    }

    @Test
    void aModelWithDepthPathsShedsFromRungToRung() {
        DepthController c = new DepthController(new DepthController.Settings(Duration.ofMillis(200), 7), 12, new int[]{7, 9});
        int[] down = new int[3];
        for (int i = 0; i < down.length; i++) down[i] = c.next(300 * MS);
        assertEquals("[9, 7, 7]", java.util.Arrays.toString(down), "only the rungs and the full depth are caps");
        assertEquals(7, new DepthController(new DepthController.Settings(Duration.ofMillis(200), 7), 12, new int[]{7, 9}).next(450 * MS),
                "two targets waited: two rungs down at once");
        int[] up = new int[3];
        for (int i = 0; i < up.length; i++) up[i] = c.next(0);
        assertEquals("[9, 12, 12]", java.util.Arrays.toString(up));
        DepthController floor8 = new DepthController(new DepthController.Settings(Duration.ofMillis(200), 8), 12, new int[]{7, 9});
        assertEquals(9, floor8.next(2000 * MS), "a rung below the floor is never used");
    }

    @Test
    void theCapOnlyLowersWhatARequestAskedFor() {
        ExitPolicy full = ExitPolicy.fullDepth();
        assertEquals(full.withDepth(8), DepthController.apply(full, 8, 12));
        assertSame(full, DepthController.apply(full, 12, 12), "the ceiling is the request's own setting");
        ExitPolicy shallow = full.withDepth(5);
        assertSame(shallow, DepthController.apply(shallow, 8, 12), "a request cheaper than the cap keeps its setting");
        ExitPolicy theta = new ExitPolicy(0.9, 6, 1);
        assertEquals(new ExitPolicy(0.9, 6, 1, 9), DepthController.apply(theta, 9, 12), "the request's theta still applies under the cap");
    }

    @Test
    void settingsOutOfRangeAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new DepthController.Settings(Duration.ZERO, 7));
        assertThrows(IllegalArgumentException.class, () -> new DepthController.Settings(Duration.ofMillis(200), 0));
        assertEquals("floor depth 13 is out of range: this model has layers 1..12",
                assertThrows(IllegalArgumentException.class, () -> new DepthController(new DepthController.Settings(Duration.ofMillis(200), 13), 12)).getMessage());
    }
}
