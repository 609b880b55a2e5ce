package dev.leap4j.train;

/**
 * The loss's building blocks as forward/backward pairs on the engine's flat float arrays: a block of {@code rows}
 * embeddings of width C starts at an offset, row r at offset + r * C. Every sum runs in double, so a forward value
 * is exact to double rounding whatever the inputs; a backward adds {@code w} times its term's gradient into float
 * gradient arrays (callers zero them once per step, then each weighted term adds its share).
 */
final class LossKernels {
    private LossKernels() {}

    /** Guards a zero vector's cosine (it is defined as 0 then, with a finite gradient). */
    private static final double NORM_FLOOR = 1e-12;

    static double dot(float[] a, int ao, float[] b, int bo, int C) {
        double sum = 0;
        for (int i = 0; i < C; i++) sum += (double) a[ao + i] * b[bo + i];
        return sum;
    }

    static double norm(float[] a, int ao, int C) {
        return Math.max(Math.sqrt(dot(a, ao, a, ao, C)), NORM_FLOOR);
    }

    static double cosine(float[] a, int ao, float[] b, int bo, int C) {
        return dot(a, ao, b, bo, C) / (norm(a, ao, C) * norm(b, bo, C));
    }

    /** Adds g * dcos(a, b)/da into da and g * dcos(a, b)/db into db; either may be null (a stop-gradient side). */
    static void cosineBackward(float[] a, int ao, float[] b, int bo, int C, double g, float[] da, int dao, float[] db, int dbo) {
        if (g == 0) return;
        double na = norm(a, ao, C), nb = norm(b, bo, C);
        double inv = 1 / (na * nb), c = dot(a, ao, b, bo, C) * inv;
        if (da != null) for (int i = 0; i < C; i++) da[dao + i] += (float) (g * (b[bo + i] * inv - c * a[ao + i] / (na * na)));
        if (db != null) for (int i = 0; i < C; i++) db[dbo + i] += (float) (g * (a[ao + i] * inv - c * b[bo + i] / (nb * nb)));
    }

    /** mean over rows of 1 - cos(s_r, t_r): L_final, L_inter and L_align for one layer. */
    static double cosineDistanceForward(float[] s, int so, float[] t, int to, int rows, int C) {
        double sum = 0;
        for (int r = 0; r < rows; r++) sum += 1 - cosine(s, so + r * C, t, to + r * C, C);
        return sum / rows;
    }

    /** The teacher side t is a target: only ds receives a gradient. */
    static void cosineDistanceBackward(float[] s, int so, float[] t, int to, int rows, int C, double w, float[] ds, int dso) {
        for (int r = 0; r < rows; r++) cosineBackward(s, so + r * C, t, to + r * C, C, -w / rows, ds, dso + r * C, null, 0);
    }

    /**
     * mean over rows of sigmoid(k (tau - cos(s_r, t_r))): the paper's soft exit margin, near 1 while a layer is below
     * the threshold tau and near 0 once it agrees with its target.
     */
    static double exitMarginForward(float[] s, int so, float[] t, int to, int rows, int C, double k, double tau) {
        double sum = 0;
        for (int r = 0; r < rows; r++) sum += sigmoid(k * (tau - cosine(s, so + r * C, t, to + r * C, C)));
        return sum / rows;
    }

    /** t is a target (the teacher, or the student's own final state under a stop-gradient): only ds moves. */
    static void exitMarginBackward(float[] s, int so, float[] t, int to, int rows, int C, double k, double tau, double w, float[] ds, int dso) {
        for (int r = 0; r < rows; r++) {
            double m = sigmoid(k * (tau - cosine(s, so + r * C, t, to + r * C, C)));
            cosineBackward(s, so + r * C, t, to + r * C, C, w / rows * (-k) * m * (1 - m), ds, dso + r * C, null, 0);
        }
    }

    /**
     * mean_i KL(p_t(i, .) || p_u(i, .)) with p(i, .) = softmax over j != i of cos(e_i, e_j) / temp: the teacher's
     * in-batch similarity structure (L_contrast, L_relational). Zero for fewer than 3 rows, where a row has at most
     * one neighbour and no distribution to match. Self-similarity is left out: it is always 1 and would only add a
     * constant peak to both sides.
     */
    static double similarityKlForward(float[] u, int uo, int Cu, float[] t, int to, int Ct, int rows, double temp) {
        if (rows < 3) return 0;
        double[] lu = new double[rows], lt = new double[rows];
        double kl = 0;
        for (int i = 0; i < rows; i++) {
            logSimilarities(u, uo, i, rows, Cu, temp, lu);
            logSimilarities(t, to, i, rows, Ct, temp, lt);
            for (int j = 0; j < rows; j++) if (j != i) kl += Math.exp(lt[j]) * (lt[j] - lu[j]);
        }
        return kl / rows;
    }

    /**
     * The teacher's distribution is a target; both ends of every student pair (u_i, u_j) receive gradient. Cosine
     * is width-free, so the student (width Cu) and the teacher (width Ct) need no projection here.
     */
    static void similarityKlBackward(float[] u, int uo, int Cu, float[] t, int to, int Ct, int rows, double temp, double w, float[] du, int duo) {
        if (rows < 3 || w == 0) return;
        double[] lu = new double[rows], lt = new double[rows];
        for (int i = 0; i < rows; i++) {
            logSimilarities(u, uo, i, rows, Cu, temp, lu);
            logSimilarities(t, to, i, rows, Ct, temp, lt);
            for (int j = 0; j < rows; j++) {
                if (j == i) continue;
                double g = w * (Math.exp(lu[j]) - Math.exp(lt[j])) / (rows * temp);
                cosineBackward(u, uo + i * Cu, u, uo + j * Cu, Cu, g, du, duo + i * Cu, du, duo + j * Cu);
            }
        }
    }

    /** Row i's log-softmax over j != i of cos(e_i, e_j) / temp, into lp (lp[i] is left 0). */
    private static void logSimilarities(float[] e, int eo, int i, int rows, int C, double temp, double[] lp) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < rows; j++) {
            lp[j] = j == i ? 0 : cosine(e, eo + i * C, e, eo + j * C, C) / temp;
            if (j != i) max = Math.max(max, lp[j]);
        }
        double sum = 0;
        for (int j = 0; j < rows; j++) if (j != i) sum += Math.exp(lp[j] - max);
        double lse = max + Math.log(sum);
        for (int j = 0; j < rows; j++) if (j != i) lp[j] -= lse;
    }

    /** y (rows, Ct) = x (rows, Cs) P, P (Cs, Ct) row-major: the training-only map to a wider or narrower teacher. */
    static void projectForward(float[] x, float[] proj, float[] y, int rows, int Cs, int Ct) {
        for (int r = 0; r < rows; r++) {
            double[] acc = new double[Ct];
            for (int i = 0; i < Cs; i++) {
                double xi = x[r * Cs + i];
                int row = i * Ct;
                for (int j = 0; j < Ct; j++) acc[j] += xi * proj[row + j];
            }
            for (int j = 0; j < Ct; j++) y[r * Ct + j] = (float) acc[j];
        }
    }

    /** Adds dy P^T into dx and x^T dy into dproj. */
    static void projectBackward(float[] x, float[] proj, float[] dy, int rows, int Cs, int Ct, float[] dx, float[] dproj) {
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < Cs; i++) {
                double acc = 0, xi = x[r * Cs + i];
                int row = i * Ct;
                for (int j = 0; j < Ct; j++) {
                    double g = dy[r * Ct + j];
                    acc += g * proj[row + j];
                    dproj[row + j] += (float) (xi * g);
                }
                dx[r * Cs + i] += (float) acc;
            }
        }
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }
}
