package dev.nncj.train.distill;

import dev.nncj.train.finetune.FineTuneOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Distiller} optimizes and how. The loss is a weighted sum of up to four terms; a term
 * with weight 0 is not computed:
 * <pre>
 * L = soft * T^2 KL(p_teachers(T) || p_student(T))      Hinton et al. 2015; several teachers: p averaged
 *   + hard * CE(student logits, labels)                  needs labelled data
 *   + hidden * mean over mapped layers of MSE(h_s(i), h_t(map(i)))        TinyBERT eq. 7
 *   + attention * mean over mapped layers of KL(A_t(map(i)) || A_s(i))   MiniLM's attention transfer
 * </pre>
 *
 * @param layerMap student layer to teacher layer for the hidden and attention terms; empty maps
 *     student layer i of n to teacher layer (i + 1) * m / n - 1 of m (TinyBERT's uniform mapping)
 * @param training epochs, batch size, learning rate, warm-up, seed, evaluation interval, patience
 */
public record DistillOptions(double softWeight, double temperature, double hardWeight, double hiddenWeight,
        double attentionWeight, Optional<Map<Integer, Integer>> layerMap, FineTuneOptions training) {

    public DistillOptions {
        requireWeight("soft-target", softWeight);
        requireWeight("hard-label", hardWeight);
        requireWeight("hidden-state", hiddenWeight);
        requireWeight("attention", attentionWeight);
        if (softWeight + hardWeight + hiddenWeight + attentionWeight == 0) {
            throw new IllegalArgumentException("every loss weight is 0: nothing to learn from");
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive, got " + temperature);
        }
        layerMap = layerMap.map(m -> java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(m)));
        Objects.requireNonNull(training, "training");
    }

    private static void requireWeight(String what, double w) {
        if (!(w >= 0) || Double.isInfinite(w)) {
            throw new IllegalArgumentException(what + " weight must be >= 0, got " + w);
        }
    }

    /**
     * Recovering a compressed model's accuracy from the original (teacher = original, student =
     * pruned / factorized / shared copy): soft targets at T = 2 plus hard labels, both weight 1,
     * with {@link FineTuneOptions#defaults()} for training.
     */
    public static DistillOptions recovery() {
        return new DistillOptions(1, 2, 1, 0, 0, Optional.empty(), FineTuneOptions.defaults());
    }

    public DistillOptions withSoftWeight(double v) {
        return new DistillOptions(v, temperature, hardWeight, hiddenWeight, attentionWeight, layerMap, training);
    }

    public DistillOptions withTemperature(double v) {
        return new DistillOptions(softWeight, v, hardWeight, hiddenWeight, attentionWeight, layerMap, training);
    }

    public DistillOptions withHardWeight(double v) {
        return new DistillOptions(softWeight, temperature, v, hiddenWeight, attentionWeight, layerMap, training);
    }

    public DistillOptions withHiddenWeight(double v) {
        return new DistillOptions(softWeight, temperature, hardWeight, v, attentionWeight, layerMap, training);
    }

    public DistillOptions withAttentionWeight(double v) {
        return new DistillOptions(softWeight, temperature, hardWeight, hiddenWeight, v, layerMap, training);
    }

    public DistillOptions withLayerMap(Map<Integer, Integer> v) {
        return new DistillOptions(softWeight, temperature, hardWeight, hiddenWeight, attentionWeight, Optional.of(v), training);
    }

    public DistillOptions withTraining(FineTuneOptions v) {
        return new DistillOptions(softWeight, temperature, hardWeight, hiddenWeight, attentionWeight, layerMap, v);
    }

    /** Whether the hidden-state or attention term needs per-layer values of teacher and student. */
    public boolean needsLayers() {
        return hiddenWeight > 0 || attentionWeight > 0;
    }

    /** The losses as provenance records them (the training options are recorded beside them). */
    public Map<String, Object> lossMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("soft_weight", softWeight);
        m.put("temperature", temperature);
        m.put("hard_weight", hardWeight);
        m.put("hidden_weight", hiddenWeight);
        m.put("attention_weight", attentionWeight);
        return m;
    }
}
