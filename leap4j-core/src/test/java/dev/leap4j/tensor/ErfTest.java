package dev.leap4j.tensor;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErfTest {
    private static final MathContext MC = new MathContext(60);
    private static final BigDecimal PI = new BigDecimal("3.14159265358979323846264338327950288419716939937510582097494");
    private static final BigDecimal TWO_OVER_SQRT_PI = BigDecimal.TWO.divide(PI.sqrt(MC), MC);

    /** erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)), summed in 60 digits (the alternating terms peak near e^(x^2)). */
    static double erfReference(double xd) {
        BigDecimal x = new BigDecimal(xd);
        BigDecimal x2 = x.multiply(x, MC);
        BigDecimal power = x; // x^(2n+1) / n! with sign
        BigDecimal sum = BigDecimal.ZERO;
        BigDecimal tiny = new BigDecimal("1e-40");
        for (int n = 0; ; n++) {
            BigDecimal term = power.divide(BigDecimal.valueOf(2L * n + 1), MC);
            sum = sum.add(term, MC);
            if (term.abs().compareTo(tiny) < 0 && n > 2 * xd * xd) break;
            power = power.multiply(x2, MC).divide(BigDecimal.valueOf(n + 1), MC).negate();
        }
        return sum.multiply(TWO_OVER_SQRT_PI, MC).doubleValue();
    }

    @Test
    void knownValues() {
        assertEquals(0.5204998778130465, Erf.erf(0.5), 2e-16);
        assertEquals(0.8427007929497149, Erf.erf(1), 2e-16);
        assertEquals(0.9953222650189527, Erf.erf(2), 2e-16);
        assertEquals(0.9999779095030014, Erf.erf(3), 2e-16);
        assertEquals(-0.8427007929497149, Erf.erf(-1), 2e-16);
        assertEquals(0.0, Erf.erf(0));
        assertEquals(1.0, Erf.erf(Double.POSITIVE_INFINITY));
        assertEquals(-1.0, Erf.erf(Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(Erf.erf(Double.NaN)));
    }

    @Test
    void matchesHighPrecisionSeriesAcrossAllBranches() {
        long seed = dev.leap4j.TestSeed.next();
        SplittableRandom rnd = new SplittableRandom(seed);
        double worst = 0;
        // each branch edge (0.5, 4, 6) plus random points in [-6.5, 6.5]
        double[] fixed = {1e-300, 1e-10, 0.4999999, 0.5, 0.5000001, 3.9999999, 4, 4.0000001, 5.9999999, 6, 6.5};
        for (int i = 0; i < fixed.length + 300; i++) {
            double x = i < fixed.length ? fixed[i] : rnd.nextDouble(-6.5, 6.5);
            double ref = erfReference(x);
            double got = Erf.erf(x);
            // a few ulps of the result: Cody's approximations are good to ~1e-16 relative
            double tol = 4 * Math.ulp(ref) + 1e-300;
            assertEquals(ref, got, tol, "erf(" + x + ") (seed " + seed + ")");
            assertEquals(-got, Erf.erf(-x), 0.0, "erf is odd at " + x);
            worst = Math.max(worst, Math.abs(ref - got) / Math.ulp(ref));
        }
        assertTrue(worst <= 4);
    }

    @Test
    void isMonotoneAndBounded() {
        double prev = -1;
        for (double x = -7; x <= 7; x += 1e-3) {
            double e = Erf.erf(x);
            assertTrue(e >= prev, "erf decreases at " + x);
            assertTrue(Math.abs(e) <= 1, "erf out of [-1, 1] at " + x);
            prev = e;
        }
    }
}
