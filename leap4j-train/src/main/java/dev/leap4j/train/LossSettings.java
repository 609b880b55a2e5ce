package dev.leap4j.train;

import dev.leap4j.api.UsageException;
import java.util.Arrays;

/**
 * Weights and shape of the LEAP objective (paper defaults in {@link #paper}):
 * L = wFinal L_final + wInter L_inter + wExit (L_exit_t + exitStudentShare L_exit_s) + wContrast L_contrast,
 * plus two optional exit-path terms (off in the paper's objective) over the exit-eligible layers
 * exitFrom..exitTo: + wAlign L_align + wRelational L_relational (see {@link LeapLoss}).
 *
 * @param layerWeights w_l for student layers 1..L_s (uniform by default)
 * @param interMap     interMap[l - 1] = teacher layer distilled into student layer l, 0 where unmapped
 * @param temperature  softmax temperature of the in-batch similarity distributions
 * @param exitFrom     first student layer (1-based) of the exit-path terms; 0 when both are off
 * @param exitTo       last student layer of the exit-path terms, below L_s; 0 = L_s - 1. A lower bound leaves the
 *                     layers past the exit free to serve full depth alone (only L_final and L_contrast reach them
 *                     through the final layer), instead of being held to the exit's embedding.
 */
public record LossSettings(double wFinal, double wInter, double wExit, double wContrast, double exitStudentShare,
                           double tau, double slope, double temperature, double[] layerWeights, int[] interMap,
                           double wAlign, double wRelational, int exitFrom, int exitTo) {
    /** The paper's terms only (no exit-path terms). */
    public LossSettings(double wFinal, double wInter, double wExit, double wContrast, double exitStudentShare,
                        double tau, double slope, double temperature, double[] layerWeights, int[] interMap) {
        this(wFinal, wInter, wExit, wContrast, exitStudentShare, tau, slope, temperature, layerWeights, interMap, 0, 0, 0, 0);
    }

    public LossSettings {
        for (double v : new double[]{wFinal, wInter, wExit, wContrast, exitStudentShare, wAlign, wRelational}) {
            if (!(v >= 0) || Double.isInfinite(v)) throw new UsageException("loss weights must be finite and >= 0, got " + v);
        }
        if (!(slope > 0)) throw new UsageException("exit slope must be > 0, got " + slope);
        if (!(temperature > 0)) throw new UsageException("temperature must be > 0, got " + temperature);
        if (!(tau > -1 && tau <= 1)) throw new UsageException("tau must be in (-1, 1], got " + tau);
        if (layerWeights.length != interMap.length) throw new UsageException("layer weights and inter map differ in length");
        for (double w : layerWeights) if (!(w >= 0) || Double.isInfinite(w)) throw new UsageException("layer weights must be finite and >= 0, got " + w);
        if ((wAlign > 0 || wRelational > 0) && (exitFrom < 1 || exitFrom >= layerWeights.length)) {
            throw new UsageException("the exit-path terms need a first layer in 1.." + (layerWeights.length - 1) + ", got " + exitFrom);
        }
        if (exitTo != 0 && (exitTo < Math.max(1, exitFrom) || exitTo >= layerWeights.length)) {
            throw new UsageException("the exit-path terms' last layer must be in " + Math.max(1, exitFrom) + ".." + (layerWeights.length - 1)
                    + " (0 = " + (layerWeights.length - 1) + "), got " + exitTo);
        }
        layerWeights = layerWeights.clone();
        interMap = interMap.clone();
    }

    /** The paper's weights: 1, 0.3, 0.4, 0.3; exit margin tau 0.98, slope 10, student share 0.7; uniform w_l. */
    public static LossSettings paper(int studentLayers, int teacherLayers) {
        double[] w = new double[studentLayers];
        Arrays.fill(w, 1.0);
        return new LossSettings(1.0, 0.3, 0.4, 0.3, 0.7, 0.98, 10.0, 0.05, w, defaultInterMap(studentLayers, teacherLayers));
    }

    /** Student layer l < L_s takes teacher layer round(l * L_t / L_s); the last layer is L_final's. */
    public static int[] defaultInterMap(int studentLayers, int teacherLayers) {
        int[] map = new int[studentLayers];
        for (int l = 1; l < studentLayers; l++) {
            map[l - 1] = (int) Math.max(1, Math.min(teacherLayers, Math.round((double) l * teacherLayers / studentLayers)));
        }
        return map;
    }

    public int studentLayers() {
        return layerWeights.length;
    }

    public LossSettings withWeights(double f, double i, double e, double c) {
        return new LossSettings(f, i, e, c, exitStudentShare, tau, slope, temperature, layerWeights, interMap, wAlign, wRelational, exitFrom, exitTo);
    }

    /** The same with the exit-path terms set on layers from..L_s-1. */
    public LossSettings withExitPath(double align, double relational, int from) {
        return withExitPath(align, relational, from, 0);
    }

    /** The same with the exit-path terms set on layers from..to (to = 0: L_s - 1). */
    public LossSettings withExitPath(double align, double relational, int from, int to) {
        return new LossSettings(wFinal, wInter, wExit, wContrast, exitStudentShare, tau, slope, temperature, layerWeights, interMap, align, relational, from, to);
    }

    /** L_final and L_contrast with these weights scaled by {@code weight}, on a student of the given depth (a skip path's own loss). */
    public LossSettings finalTermsFor(int layers, double weight) {
        return new LossSettings(weight * wFinal, 0, 0, weight * wContrast, exitStudentShare, tau, slope, temperature, new double[layers], new int[layers]);
    }

    /** Last student layer (1-based) of the exit-path terms. */
    public int lastExitPathLayer() {
        return exitTo == 0 ? layerWeights.length - 1 : exitTo;
    }

    /** Whether student layer l (1-based) is in the exit-path terms' range exitFrom..lastExitPathLayer(). */
    boolean onExitPath(int l) {
        return exitFrom > 0 && l >= exitFrom && l <= lastExitPathLayer();
    }

    /** Teacher layers the loss reads: the final one plus every mapped one, ascending. */
    public int[] teacherLayersNeeded(int teacherLayers) {
        java.util.TreeSet<Integer> s = new java.util.TreeSet<>();
        s.add(teacherLayers);
        if (wInter > 0) for (int t : interMap) if (t > 0) s.add(t);
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "final=%s inter=%s exit=%s contrast=%s share=%s tau=%s slope=%s temp=%s w=%s map=%s align=%s relational=%s from=%d to=%d",
                wFinal, wInter, wExit, wContrast, exitStudentShare, tau, slope, temperature,
                Arrays.toString(layerWeights), Arrays.toString(interMap), wAlign, wRelational, exitFrom, lastExitPathLayer());
    }
}
