package dev.leap4j.train;

/** What to train for: the full LEAP objective, or standard distillation (the same without L_exit). */
public enum Objective {
    LEAP, DISTILL
}
