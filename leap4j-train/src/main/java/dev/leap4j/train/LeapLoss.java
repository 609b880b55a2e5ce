package dev.leap4j.train;

/**
 * The LEAP objective on pooled embeddings with its exact gradient, read from and written to the engine's flat float
 * arrays (sums in double, {@link LossKernels}). e_s(l) is the student's pooled state after layer l, e_t the teacher's
 * final embedding.
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
 * when the widths match). Each term is a forward/backward pair: {@link #compute} takes every term's value, then adds
 * each weighted gradient in turn; an instance holds the projected states and their gradient for one batch shape, so
 * a training step copies no states into another format.
 */
public final class LeapLoss {
    /** Value of each term (unweighted) and the weighted total. */
    public record Terms(double total, double fin, double inter, double exit, double contrast, double align, double relational) {
        /** Term by term sums: a step over several skip paths reports the sum of their losses. */
        public Terms plus(Terms o) {
            return new Terms(total + o.total, fin + o.fin, inter + o.inter, exit + o.exit, contrast + o.contrast, align + o.align, relational + o.relational);
        }

        public boolean finite() {
            return Double.isFinite(total) && Double.isFinite(fin) && Double.isFinite(inter) && Double.isFinite(exit) && Double.isFinite(contrast)
                    && Double.isFinite(align) && Double.isFinite(relational);
        }
    }

    private final LossSettings ls;
    private final int L, B, Cs, Ct;
    private final float[] ps, dps;   // (L, B, Ct) projected student states and their gradient; null when Cs == Ct

    public LeapLoss(LossSettings ls, int rows, int studentWidth, int teacherWidth) {
        this.ls = ls;
        this.L = ls.studentLayers();
        this.B = rows;
        this.Cs = studentWidth;
        this.Ct = teacherWidth;
        ps = Cs == Ct ? null : new float[L * B * Ct];
        dps = Cs == Ct ? null : new float[L * B * Ct];
    }

    /**
     * @param s       (L, B, Cs) student pooled states, layer l's block at (l - 1) * B * Cs
     * @param tLayers tLayers[t] = (B, Ct) teacher pooled state after teacher layer t, null where the loss does not read it
     * @param tFinal  (B, Ct) teacher final embedding
     * @param proj    (Cs, Ct) row-major projection, or null when Cs == Ct
     * @param ds      (L, B, Cs) gradient out (overwritten)
     * @param dproj   (Cs, Ct) gradient out (overwritten), null when proj is null
     */
    public Terms compute(float[] s, float[][] tLayers, float[] tFinal, float[] proj, float[] ds, float[] dproj) {
        return compute(s, tLayers, tFinal, proj, ds, dproj, s, (L - 1) * B * Cs);
    }

    /**
     * As above with the stop-gradient target of L_exit_s given explicitly (B, Cs) at exitTargetOffset: it is the
     * student's last layer, and a finite-difference check must hold it fixed, exactly as the analytic gradient treats it.
     */
    Terms compute(float[] s, float[][] tLayers, float[] tFinal, float[] proj, float[] ds, float[] dproj, float[] exitTarget, int exitTargetOffset) {
        if (s.length < L * B * Cs || ds.length < L * B * Cs || tFinal.length < B * Ct) {
            throw new IllegalStateException("loss buffers are smaller than (" + L + ", " + B + ", " + Cs + ") and (" + B + ", " + Ct + ")");
        }
        if ((proj == null) != (Cs == Ct)) throw new IllegalStateException("a projection is needed exactly when widths differ (" + Cs + " vs " + Ct + ")");
        float[] e = s, de = ds;   // what the teacher-facing terms read: P e_s, or e_s itself at equal widths
        int C = Cs;
        java.util.Arrays.fill(ds, 0, L * B * Cs, 0f);
        if (proj != null) {
            LossKernels.projectForward(s, proj, ps, L * B, Cs, Ct);
            java.util.Arrays.fill(dps, 0f);
            e = ps;
            de = dps;
            C = Ct;
        }
        double fin = finalForward(e, tFinal, C);
        double inter = interForward(e, tLayers, C);
        double exitT = exitTeacherForward(e, tFinal, C);
        double exitS = exitStudentForward(s, exitTarget, exitTargetOffset);
        double contrast = LossKernels.similarityKlForward(s, at(L, Cs), Cs, tFinal, 0, Ct, B, ls.temperature());
        double align = alignForward(e, tFinal, C);
        double relational = relationalForward(s, tFinal);
        double exit = exitT + ls.exitStudentShare() * exitS;

        finalBackward(e, tFinal, C, ls.wFinal(), de);
        interBackward(e, tLayers, C, ls.wInter(), de);
        exitTeacherBackward(e, tFinal, C, ls.wExit(), de);
        exitStudentBackward(s, exitTarget, exitTargetOffset, ls.wExit() * ls.exitStudentShare(), ds);
        LossKernels.similarityKlBackward(s, at(L, Cs), Cs, tFinal, 0, Ct, B, ls.temperature(), ls.wContrast(), ds, at(L, Cs));
        alignBackward(e, tFinal, C, ls.wAlign(), de);
        relationalBackward(s, tFinal, ls.wRelational(), ds);
        if (proj != null) {
            java.util.Arrays.fill(dproj, 0f);
            LossKernels.projectBackward(s, proj, dps, L * B, Cs, Ct, ds, dproj);
        }
        double total = ls.wFinal() * fin + ls.wInter() * inter + ls.wExit() * exit + ls.wContrast() * contrast
                + ls.wAlign() * align + ls.wRelational() * relational;
        return new Terms(total, fin, inter, exit, contrast, align, relational);
    }

    /** Offset of student layer l's (1-based) block in an (L, B, C) array. */
    private int at(int l, int C) {
        return (l - 1) * B * C;
    }

    // L_final: the last layer against the teacher's final embedding
    private double finalForward(float[] e, float[] tFinal, int C) {
        return LossKernels.cosineDistanceForward(e, at(L, C), tFinal, 0, B, C);
    }

    private void finalBackward(float[] e, float[] tFinal, int C, double w, float[] de) {
        if (w != 0) LossKernels.cosineDistanceBackward(e, at(L, C), tFinal, 0, B, C, w, de, at(L, C));
    }

    // L_inter: mapped student layers against their teacher layers, off (and reported 0) at weight 0
    private int interPairs() {
        int pairs = 0;
        for (int t : ls.interMap()) if (t > 0) pairs++;
        return pairs;
    }

    private float[] teacherLayer(float[][] tLayers, int t) {
        if (t >= tLayers.length || tLayers[t] == null) throw new IllegalStateException("teacher layer " + t + " was not provided");
        return tLayers[t];
    }

    private double interForward(float[] e, float[][] tLayers, int C) {
        int pairs = interPairs();
        if (pairs == 0 || ls.wInter() == 0) return 0;
        double sum = 0;
        for (int l = 1; l <= L; l++) {
            int t = ls.interMap()[l - 1];
            if (t > 0) sum += LossKernels.cosineDistanceForward(e, at(l, C), teacherLayer(tLayers, t), 0, B, C);
        }
        return sum / pairs;
    }

    private void interBackward(float[] e, float[][] tLayers, int C, double w, float[] de) {
        int pairs = interPairs();
        if (pairs == 0 || w == 0) return;
        for (int l = 1; l <= L; l++) {
            int t = ls.interMap()[l - 1];
            if (t > 0) LossKernels.cosineDistanceBackward(e, at(l, C), teacherLayer(tLayers, t), 0, B, C, w / pairs, de, at(l, C));
        }
    }

    // L_exit_t: every layer's soft margin against the teacher, weighted by w_l
    private double exitTeacherForward(float[] e, float[] tFinal, int C) {
        double sum = 0;
        for (int l = 1; l <= L; l++) {
            sum += ls.layerWeights()[l - 1] * LossKernels.exitMarginForward(e, at(l, C), tFinal, 0, B, C, ls.slope(), ls.tau());
        }
        return sum / L;
    }

    private void exitTeacherBackward(float[] e, float[] tFinal, int C, double w, float[] de) {
        if (w == 0) return;
        for (int l = 1; l <= L; l++) {
            double wl = w * ls.layerWeights()[l - 1] / L;
            if (wl != 0) LossKernels.exitMarginBackward(e, at(l, C), tFinal, 0, B, C, ls.slope(), ls.tau(), wl, de, at(l, C));
        }
    }

    // L_exit_s: layers below the last against the student's own final state, a stop-gradient target
    private double exitStudentForward(float[] s, float[] target, int targetOffset) {
        if (L < 2) return 0;
        double sum = 0;
        for (int l = 1; l < L; l++) {
            sum += ls.layerWeights()[l - 1] * LossKernels.exitMarginForward(s, at(l, Cs), target, targetOffset, B, Cs, ls.slope(), ls.tau());
        }
        return sum / (L - 1);
    }

    private void exitStudentBackward(float[] s, float[] target, int targetOffset, double w, float[] ds) {
        if (L < 2 || w == 0) return;
        for (int l = 1; l < L; l++) {
            double wl = w * ls.layerWeights()[l - 1] / (L - 1);
            if (wl != 0) LossKernels.exitMarginBackward(s, at(l, Cs), target, targetOffset, B, Cs, ls.slope(), ls.tau(), wl, ds, at(l, Cs));
        }
    }

    // L_align and L_relational: the exit-eligible layers against the teacher's final embedding and similarity structure
    private int exitPathLayers() {
        int n = 0;
        for (int l = 1; l <= L; l++) if (ls.onExitPath(l)) n++;
        return n;
    }

    private double alignForward(float[] e, float[] tFinal, int C) {
        int n = exitPathLayers();
        if (n == 0) return 0;
        double sum = 0;
        for (int l = 1; l <= L; l++) if (ls.onExitPath(l)) sum += LossKernels.cosineDistanceForward(e, at(l, C), tFinal, 0, B, C);
        return sum / n;
    }

    private void alignBackward(float[] e, float[] tFinal, int C, double w, float[] de) {
        int n = exitPathLayers();
        if (n == 0 || w == 0) return;
        for (int l = 1; l <= L; l++) if (ls.onExitPath(l)) LossKernels.cosineDistanceBackward(e, at(l, C), tFinal, 0, B, C, w / n, de, at(l, C));
    }

    private double relationalForward(float[] s, float[] tFinal) {
        int n = exitPathLayers();
        if (n == 0) return 0;
        double sum = 0;
        for (int l = 1; l <= L; l++) if (ls.onExitPath(l)) sum += LossKernels.similarityKlForward(s, at(l, Cs), Cs, tFinal, 0, Ct, B, ls.temperature());
        return sum / n;
    }

    private void relationalBackward(float[] s, float[] tFinal, double w, float[] ds) {
        int n = exitPathLayers();
        if (n == 0 || w == 0) return;
        for (int l = 1; l <= L; l++) {
            if (ls.onExitPath(l)) LossKernels.similarityKlBackward(s, at(l, Cs), Cs, tFinal, 0, Ct, B, ls.temperature(), w / n, ds, at(l, Cs));
        }
    }
}
