package dev.leap4j.train;

import dev.leap4j.model.BertConfig;
import dev.leap4j.model.BertWeights;

import java.util.Map;

/**
 * A measurement of the student taken during training, every {@link #every()} steps and before the first step
 * (for example STS-B dev Spearman at full depth and at the exit). Its numbers go to train-log.jsonl as
 * {@code {"step":s,"probe":{...}}}; it must not change the weights, so a run's result does not depend on it.
 */
public interface Probe {
    int every();

    Map<String, Double> measure(BertConfig config, BertWeights weights);
}
