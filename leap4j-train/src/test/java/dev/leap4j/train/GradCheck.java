package dev.leap4j.train;

import java.util.function.DoubleSupplier;

/** Central finite differences in double, and the relative error measure the gradient checks assert on. */
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
