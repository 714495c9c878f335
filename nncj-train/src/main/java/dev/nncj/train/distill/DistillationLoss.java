package dev.nncj.train.distill;

import ai.djl.ndarray.NDArray;
import dev.nncj.train.finetune.TextBatches;
import dev.nncj.train.trainer.Loss;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The weighted sum of {@link DistillOptions}' terms over one batch, from one pass of the teachers
 * (a teacher forward costs as much as a third of the student's step, so it runs once per batch,
 * not once per term).
 */
final class DistillationLoss implements Loss {
    private final TeacherEnsemble teachers;
    private final DistillOptions options;
    private final String logits;
    private final Map<String, String> hiddenPairs;
    private final Map<String, String> attentionPairs;
    private final Loss hard;

    /**
     * @param hiddenPairs student hidden-state value to teacher value (empty unless the hidden term is on)
     * @param attentionPairs student attention value to teacher value (empty unless the attention term is on)
     */
    DistillationLoss(TeacherEnsemble teachers, DistillOptions options, String logits, Map<String, String> hiddenPairs,
            Map<String, String> attentionPairs) {
        this.teachers = teachers;
        this.options = options;
        this.logits = logits;
        this.hiddenPairs = new LinkedHashMap<>(hiddenPairs);
        this.attentionPairs = new LinkedHashMap<>(attentionPairs);
        this.hard = Loss.softmaxCrossEntropy(logits);
    }

    @Override
    public Collection<String> values() {
        Set<String> all = new LinkedHashSet<>(hiddenPairs.keySet());
        all.addAll(attentionPairs.keySet());
        return all;
    }

    @Override
    public NDArray compute(Map<String, NDArray> outputs, NDArray labels, Map<String, NDArray> inputs) {
        Set<String> teacherValues = new LinkedHashSet<>(hiddenPairs.values());
        teacherValues.addAll(attentionPairs.values());
        TeacherEnsemble.Targets targets = teachers.targets(labels.getManager(), inputs, options.temperature(), teacherValues);
        NDArray student = outputs.get(logits);
        if (student == null) {
            throw new dev.nncj.NncjException("the student has no output " + logits + "; it has " + outputs.keySet());
        }
        NDArray total = null;
        if (options.softWeight() > 0) {
            total = add(total, SoftTargetDistillation.softTargetLoss(targets.logProbabilities(), student,
                    options.temperature()), options.softWeight());
        }
        if (options.hardWeight() > 0) {
            total = add(total, hard.compute(outputs, labels, inputs), options.hardWeight());
        }
        if (options.hiddenWeight() > 0) {
            total = add(total, HiddenStateDistillation.meanSquaredError(hiddenPairs, outputs, targets.values()),
                    options.hiddenWeight());
        }
        if (options.attentionWeight() > 0) {
            total = add(total, AttentionDistillation.loss(attentionPairs, outputs, targets.values(),
                    inputs.get(TextBatches.MASK)), options.attentionWeight());
        }
        return total;
    }

    private static NDArray add(NDArray total, NDArray term, double weight) {
        NDArray weighted = weight == 1 ? term : term.mul((float) weight);
        return total == null ? weighted : total.add(weighted);
    }
}
