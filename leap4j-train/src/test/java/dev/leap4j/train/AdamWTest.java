package dev.leap4j.train;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AdamWTest {
    @Test
    void scheduleWarmsUpThenDecaysLinearly() {
        Random rnd = new Random(dev.leap4j.TestSeed.next());
        long total = 10 + rnd.nextInt(100), warm = rnd.nextInt((int) total / 2) + 1;
        AdamW opt = new AdamW(List.of(new AdamW.Slot("p", new float[1], new float[1], true)), 1e-3, 0.01, warm, total);
        assertEquals(1e-3 / warm, opt.learningRate(1), 1e-15);
        assertEquals(1e-3, opt.learningRate(warm), 1e-15);
        assertEquals(1e-3, opt.learningRate(warm + 1), 1e-15);
        assertEquals(1e-3 / (total - warm), opt.learningRate(total), 1e-15);
        for (long t = warm + 2; t <= total; t++) assertEquals(true, opt.learningRate(t) < opt.learningRate(t - 1));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(List.of(), 1e-3, 0, 5, 4));
    }

    @Test
    void stepsMatchTheAdamWFormulaInDouble() {
        Random rnd = new Random(dev.leap4j.TestSeed.next());
        int n = 1 + rnd.nextInt(20);
        float[] p = new float[n], g = new float[n];
        double[] pd = new double[n], m = new double[n], v = new double[n];
        for (int i = 0; i < n; i++) pd[i] = p[i] = (float) rnd.nextGaussian();
        double lr = 1e-2, wd = 0.1, clip = 0.5;
        AdamW opt = new AdamW(List.of(new AdamW.Slot("p", p, g, true)), lr, wd, 0, 3);
        for (int t = 1; t <= 3; t++) {
            for (int i = 0; i < n; i++) g[i] = (float) rnd.nextGaussian();
            opt.step(t, clip);
            double rate = opt.learningRate(t);
            for (int i = 0; i < n; i++) {
                double gi = g[i] * clip;
                m[i] = 0.9 * m[i] + 0.1 * gi;
                v[i] = 0.999 * v[i] + 0.001 * gi * gi;
                double mh = m[i] / (1 - Math.pow(0.9, t)), vh = v[i] / (1 - Math.pow(0.999, t));
                pd[i] = pd[i] * (1 - rate * wd) - rate * mh / (Math.sqrt(vh) + 1e-8);
                assertEquals(pd[i], p[i], 1e-5 * Math.max(1, Math.abs(pd[i])), "step " + t + " element " + i);
            }
        }
    }
}
