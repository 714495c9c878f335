package dev.nncj.train.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.nncj.train.execution.OnnxExecutor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * One or more frozen teachers run without autograd on the student's batch. Their soft targets are
 * the average of their temperature-softened distributions (an averaged ensemble, Hinton et al.
 * 2015 section 1); per-layer values (hidden states, attention) come from the first teacher alone,
 * since the layers of different teachers do not line up.
 */
final class TeacherEnsemble {
    private final List<OnnxExecutor> teachers;
    private final String logits;

    TeacherEnsemble(List<OnnxExecutor> teachers, String logits) {
        if (teachers.isEmpty()) {
            throw new IllegalArgumentException("distillation needs at least one teacher");
        }
        this.teachers = List.copyOf(teachers);
        this.logits = logits;
    }

    /** What the teachers say about one batch, in the batch's manager. */
    record Targets(NDArray logProbabilities, Map<String, NDArray> values) {}

    /**
     * log of the averaged softmax(logits / T) and the first teacher's named {@code values}. One
     * teacher: its log-softmax exactly. Several: log(mean of probabilities), with probabilities that
     * underflow to 0 floored at 1e-30 so that their (zero-weighted) log stays finite.
     */
    Targets targets(NDManager manager, Map<String, NDArray> inputs, double temperature, Collection<String> values) {
        float t = (float) temperature;
        Map<String, NDArray> first = teachers.get(0).infer(manager, teachers.get(0).inputsFrom(inputs, "teacher"), values);
        NDArray firstLogits = first.get(logits);
        if (teachers.size() == 1) {
            return new Targets(firstLogits.div(t).logSoftmax(-1), first);
        }
        List<NDArray> probabilities = new ArrayList<>();
        probabilities.add(firstLogits.div(t).softmax(-1));
        for (OnnxExecutor teacher : teachers.subList(1, teachers.size())) {
            NDArray l = teacher.infer(manager, teacher.inputsFrom(inputs, "teacher")).get(logits);
            if (!l.getShape().equals(firstLogits.getShape())) {
                throw new dev.nncj.NncjException("teacher logits " + l.getShape() + " and " + firstLogits.getShape()
                        + " differ: the teachers of an ensemble must share their classes");
            }
            probabilities.add(l.div(t).softmax(-1));
        }
        NDArray mean = NDArrays.stack(new NDList(probabilities)).mean(new int[] {0});
        return new Targets(mean.maximum(1e-30f).log(), first);
    }

    int size() {
        return teachers.size();
    }
}
