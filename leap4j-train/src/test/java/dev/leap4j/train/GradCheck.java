package dev.leap4j.train;

import java.util.function.DoubleSupplier;

/** Central finite differences (double and float parameters), and the relative error measure the gradient checks assert on. */
final class GradCheck {
    private GradCheck() {}

    /** d f / d p[k] by central differences; p is restored. */
    static double central(double[] p, int k, double eps, DoubleSupplier f) {
        double orig = p[k];
        p[k] = orig + eps;
        double up = f.getAsDouble();
        p[k] = orig - eps;
        double down = f.getAsDouble();
        p[k] = orig;
        return (up - down) / (2 * eps);
    }

    /**
     * d f / d p[k] by central differences on a float parameter; p is restored. The step is divided by what the
     * float entries actually moved (orig +- eps rounded), so rounding the step costs no accuracy.
     */
    static double central(float[] p, int k, float eps, DoubleSupplier f) {
        float orig = p[k], up = orig + eps, down = orig - eps;
        p[k] = up;
        double fUp = f.getAsDouble();
        p[k] = down;
        double fDown = f.getAsDouble();
        p[k] = orig;
        return (fUp - fDown) / ((double) up - down);
    }

    /** ||a - b|| / max(||a||, ||b||, floor): one number per tensor, robust to individual tiny entries. */
    static double relativeError(double[] analytic, double[] numeric, double floor) {
        double num = 0, na = 0, nb = 0;
        for (int i = 0; i < analytic.length; i++) {
            num += (analytic[i] - numeric[i]) * (analytic[i] - numeric[i]);
            na += analytic[i] * analytic[i];
            nb += numeric[i] * numeric[i];
        }
        return Math.sqrt(num) / Math.max(Math.max(Math.sqrt(na), Math.sqrt(nb)), floor);
    }
}
