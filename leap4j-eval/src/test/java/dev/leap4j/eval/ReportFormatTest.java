package dev.leap4j.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Speedups the saved layers cannot explain are marked as noise, never shown as results. */
class ReportFormatTest {
    @Test
    void aSpeedupAboveTheLayerReductionIsNoise() {
        assertTrue(SpeedTest.implausible(3.30, 2.00), "bge's 3.30x against a 2.00x ceiling");
        assertTrue(SpeedTest.implausible(1.90, 1.71));
        assertFalse(SpeedTest.implausible(1.88, 1.71), "within 10% of the ceiling");
        assertFalse(SpeedTest.implausible(1.40, 1.71), "below the ceiling: overhead, not noise");
    }

    @Test
    void aSpeedupAwayFromOneWhereNothingExitsIsNoise() {
        assertTrue(SpeedTest.implausible(0.24, 1.00));
        assertTrue(SpeedTest.implausible(2.40, 1.00));
        assertFalse(SpeedTest.implausible(0.95, 1.00));
        assertFalse(SpeedTest.implausible(1.08, 1.00));
        assertFalse(SpeedTest.implausible(Double.NaN, 1.00), "not measured is not noise");
    }

    @Test
    void tablesMarkNoise() {
        assertEquals("3.30x (noise)", ReportFormat.speedup(3.30, 2.00));
        assertEquals("1.64x", ReportFormat.speedup(1.64, 1.71));
        assertEquals("–", ReportFormat.speedup(Double.NaN, 1.71));
    }
}
