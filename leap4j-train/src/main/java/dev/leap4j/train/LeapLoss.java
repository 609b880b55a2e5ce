package dev.leap4j.train;

/**
 * The LEAP objective on pooled embeddings, in double precision, with its exact gradient. Inputs are masked-mean
 * pooled states; e_s(l) is the student after layer l, e_t the teacher's final embedding.
 * <ul>
 *   <li>L_final = 1 - cos(P e_s(L_s), e_t)</li>
 *   <li>L_inter = mean over mapped (l, pi(l)) of 1 - cos(P e_s(l), e_t(pi(l)))</li>
 *   <li>L_exit_t = (1/L_s) sum_l w_l sigmoid(k (tau - cos(P e_s(l), e_t)))</li>
 *   <li>L_exit_s = (1/(L_s - 1)) sum_{l < L_s} w_l sigmoid(k (tau - cos(e_s(l), stopgrad(e_s(L_s)))))</li>
 *   <li>L_contrast = mean_i KL(p_t(i, .) || p_s(i, .)), p(i, .) = softmax_{j != i}(cos(e_i, e_j) / T)</li>
 * </ul>
 * Two exit-path terms, off in the paper's objective, act on the exit-eligible layers E = {exitFrom .. exitTo}
 * (exitTo defaults to L_s - 1):
 * <ul>
 *   <li>L_align = mean over l in E of 1 - cos(P e_s(l), e_t): the alignment L_exit_t asks for, but with slope 1 at
 *       every cosine, where the sigmoid margin is nearly flat far below tau (slope ~0.01 at cos 0.3).</li>
 *   <li>L_relational = mean over l in E of L_contrast computed on e_s(l): STS and retrieval rank by relative
 *       similarity, so the exit layers are taught the teacher's in-batch similarity structure, not just its
 *       direction.</li>
 * </ul>
 * Every term is also averaged over the batch. P is the training-only projection to the teacher's width (identity
 * when the widths match). The similarity distributions leave out j = i: self-similarity is always 1 and would only
 * add a constant peak to both rows.
 */
public final class LeapLoss {
    private LeapLoss() {}

    /** Value of each term (unweighted) and the weighted total. */
    public record Terms(double total, double fin, double inter, double exit, double contrast, double align, double relational) {
        public boolean finite() {
            return Double.isFinite(total) && Double.isFinite(fin) && Double.isFinite(inter) && Double.isFinite(exit) && Double.isFinite(contrast)
                    && Double.isFinite(align) && Double.isFinite(relational);
        }
    }

    private static final double NORM_FLOOR = 1e-12;

    /**
     * @param s       (L_s, B, Cs) student pooled states
     * @param tLayers tLayers[t] = (B, Ct) teacher pooled state after teacher layer t; the last non-null is unused
     *                unless mapped; tFinal is passed separately
     * @param tFinal  (B, Ct) teacher final embedding
     * @param proj    (Cs, Ct) row-major projection, or null when Cs == Ct
     * @param ds      (L_s, B, Cs) gradient out (overwritten)
     * @param dproj   (Cs, Ct) gradient out (overwritten), null when proj is null
     */
    public static Terms compute(LossSettings ls, double[][][] s, double[][][] tLayers, double[][] tFinal, double[] proj,
                                double[][][] ds, double[] dproj) {
        return compute(ls, s, tLayers, tFinal, proj, ds, dproj, s[s.length - 1]);
    }

    /**
     * As above with the stop-gradient target of L_exit_s given explicitly (it is s[L_s - 1]): a finite-difference
     * check must hold it fixed, exactly as the analytic gradient treats it.
     */
    static Terms compute(LossSettings ls, double[][][] s, double[][][] tLayers, double[][] tFinal, double[] proj,
                         double[][][] ds, double[] dproj, double[][] exitTarget) {
        int L = s.length, B = s[0].length, Cs = s[0][0].length, Ct = tFinal[0].length;
        if (ls.studentLayers() != L) throw new IllegalArgumentException("loss settings are for " + ls.studentLayers() + " layers, student has " + L);
        if ((proj == null) != (Cs == Ct)) throw new IllegalArgumentException("a projection is needed exactly when widths differ (" + Cs + " vs " + Ct + ")");
        double[][][] ps = s, dps = ds;
        for (double[][] a : ds) for (double[] r : a) java.util.Arrays.fill(r, 0);
        if (proj != null) {
            ps = new double[L][B][];
            dps = new double[L][B][Ct];
            for (int l = 0; l < L; l++) for (int b = 0; b < B; b++) ps[l][b] = project(s[l][b], proj, Cs, Ct);
        }
        // L_final
        double fin = 0;
        for (int b = 0; b < B; b++) {
            fin += 1 - cosine(ps[L - 1][b], tFinal[b], dps[L - 1][b], null, -ls.wFinal() / B);
        }
        fin /= B;
        // L_inter
        double inter = 0;
        int pairs = 0;
        for (int l = 0; l < L; l++) if (ls.interMap()[l] > 0) pairs++;
        if (pairs > 0 && ls.wInter() > 0) {
            for (int l = 0; l < L; l++) {
                int t = ls.interMap()[l];
                if (t == 0) continue;
                if (tLayers[t] == null) throw new IllegalArgumentException("teacher layer " + t + " was not provided");
                for (int b = 0; b < B; b++) {
                    inter += 1 - cosine(ps[l][b], tLayers[t][b], dps[l][b], null, -ls.wInter() / ((double) pairs * B));
                }
            }
            inter /= (double) pairs * B;
        }
        // L_exit: soft margin on cos to the teacher (all layers) and to the student's own final state (layers < L_s)
        double exitT = 0, exitS = 0;
        double k = ls.slope(), tau = ls.tau();
        for (int l = 0; l < L; l++) {
            double wl = ls.layerWeights()[l];
            for (int b = 0; b < B; b++) {
                double c = cosine(ps[l][b], tFinal[b], null, null, 0);
                double m = sigmoid(k * (tau - c));
                exitT += wl * m / ((double) L * B);
                double g = ls.wExit() * wl / ((double) L * B) * (-k) * m * (1 - m);
                if (g != 0) cosine(ps[l][b], tFinal[b], dps[l][b], null, g);
            }
        }
        if (L > 1) {
            double share = ls.exitStudentShare();
            for (int l = 0; l < L - 1; l++) {
                double wl = ls.layerWeights()[l];
                for (int b = 0; b < B; b++) {
                    double c = cosine(s[l][b], exitTarget[b], null, null, 0);
                    double m = sigmoid(k * (tau - c));
                    exitS += wl * m / ((double) (L - 1) * B);
                    double g = ls.wExit() * share * wl / ((double) (L - 1) * B) * (-k) * m * (1 - m);
                    if (g != 0) cosine(s[l][b], exitTarget[b], ds[l][b], null, g); // a stop-gradient target
                }
            }
        }
        double exit = exitT + ls.exitStudentShare() * exitS;
        // L_contrast on the raw final states (cosine is width-free, so no projection)
        double contrast = contrast(s[L - 1], tFinal, ls.temperature(), ds[L - 1], ls.wContrast());

        // exit-path terms, before the projection's backward so their projected gradients flow through it too
        double align = 0, relational = 0;
        int eligible = 0;
        for (int l = 1; l <= L; l++) if (ls.onExitPath(l)) eligible++;
        if (eligible > 0) {
            for (int l = 1; l <= L; l++) {
                if (!ls.onExitPath(l)) continue;
                for (int b = 0; b < B; b++) {
                    align += 1 - cosine(ps[l - 1][b], tFinal[b], ls.wAlign() > 0 ? dps[l - 1][b] : null, null, -ls.wAlign() / ((double) eligible * B));
                }
                relational += contrast(s[l - 1], tFinal, ls.temperature(), ds[l - 1], ls.wRelational() / eligible);
            }
            align /= (double) eligible * B;
            relational /= eligible;
        }
        if (proj != null) {
            java.util.Arrays.fill(dproj, 0);
            for (int l = 0; l < L; l++) {
                for (int b = 0; b < B; b++) {
                    double[] x = s[l][b], g = dps[l][b], dx = ds[l][b];
                    for (int i = 0; i < Cs; i++) {
                        double acc = 0;
                        int row = i * Ct;
                        for (int j = 0; j < Ct; j++) {
                            acc += g[j] * proj[row + j];
                            dproj[row + j] += x[i] * g[j];
                        }
                        dx[i] += acc;
                    }
                }
            }
        }
        double total = ls.wFinal() * fin + ls.wInter() * inter + ls.wExit() * exit + ls.wContrast() * contrast
                + ls.wAlign() * align + ls.wRelational() * relational;
        return new Terms(total, fin, inter, exit, contrast, align, relational);
    }

    static double[] project(double[] x, double[] proj, int Cs, int Ct) {
        double[] y = new double[Ct];
        for (int i = 0; i < Cs; i++) {
            double xi = x[i];
            int row = i * Ct;
            for (int j = 0; j < Ct; j++) y[j] += xi * proj[row + j];
        }
        return y;
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }

    /** cos(a, b); when g != 0 adds g * dcos/da to da and g * dcos/db to db (either may be null). */
    static double cosine(double[] a, double[] b, double[] da, double[] db, double g) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        double na = Math.max(Math.sqrt(aa), NORM_FLOOR), nb = Math.max(Math.sqrt(bb), NORM_FLOOR);
        double c = ab / (na * nb);
        if (g != 0) {
            double inv = 1 / (na * nb);
            if (da != null) for (int i = 0; i < a.length; i++) da[i] += g * (b[i] * inv - c * a[i] / (na * na));
            if (db != null) for (int i = 0; i < a.length; i++) db[i] += g * (a[i] * inv - c * b[i] / (nb * nb));
        }
        return c;
    }

    /** mean_i KL(p_t(i) || p_s(i)); adds w * gradient to du. Zero for a batch under 3 (no distribution to match). */
    static double contrast(double[][] u, double[][] t, double temp, double[][] du, double w) {
        int B = u.length;
        if (B < 3) return 0;
        double kl = 0;
        double[] zs = new double[B], zt = new double[B];
        for (int i = 0; i < B; i++) {
            for (int j = 0; j < B; j++) {
                if (j == i) continue;
                zs[j] = cosine(u[i], u[j], null, null, 0) / temp;
                zt[j] = cosine(t[i], t[j], null, null, 0) / temp;
            }
            double[] ls = logSoftmaxExcept(zs, i), lt = logSoftmaxExcept(zt, i);
            for (int j = 0; j < B; j++) {
                if (j == i) continue;
                double ps = Math.exp(ls[j]), pt = Math.exp(lt[j]);
                kl += pt * (lt[j] - ls[j]);
                double g = w * (ps - pt) / (B * temp);
                if (g != 0) cosine(u[i], u[j], du[i], du[j], g);
            }
        }
        return kl / B;
    }

    private static double[] logSoftmaxExcept(double[] z, int skip) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < z.length; j++) if (j != skip) max = Math.max(max, z[j]);
        double sum = 0;
        for (int j = 0; j < z.length; j++) if (j != skip) sum += Math.exp(z[j] - max);
        double lse = max + Math.log(sum);
        double[] lp = new double[z.length];
        for (int j = 0; j < z.length; j++) lp[j] = j == skip ? 0 : z[j] - lse;
        return lp;
    }
}
