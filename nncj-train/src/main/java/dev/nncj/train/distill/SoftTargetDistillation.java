package dev.nncj.train.distill;

import ai.djl.ndarray.NDArray;
import dev.nncj.NncjException;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.execution.SupportCheck;
import dev.nncj.train.trainer.Loss;
import java.util.Map;

/**
 * Knowledge distillation with soft targets (Hinton, Vinyals and Dean, "Distilling the Knowledge in
 * a Neural Network", 2015): the student matches the teacher's temperature-softened distribution,
 * <pre>
 * L = w * T^2 * KL(softmax(t / T) || softmax(s / T))  +  (1 - w) * CE(s, labels)
 * </pre>
 * The T^2 factor keeps the soft term's gradients on the scale of the hard term's as T grows (the
 * paper's section 2). With w = 1 the labels are ignored, so unlabeled text can be used: the teacher
 * labels it. The teacher runs without autograd on the batch inputs it takes.
 */
public final class SoftTargetDistillation implements Loss {
    private final OnnxExecutor teacher;
    private final String teacherLogits;
    private final String studentLogits;
    private final double temperature;
    private final double softWeight;
    private final Loss hard;

    public SoftTargetDistillation(OnnxExecutor teacher, String teacherLogits, String studentLogits,
            double temperature, double softWeight) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be positive, got " + temperature);
        }
        if (!(softWeight >= 0 && softWeight <= 1)) {
            throw new IllegalArgumentException("soft-target weight must lie in [0, 1], got " + softWeight);
        }
        if (!teacher.outputNames().contains(teacherLogits)) {
            throw new NncjException(SupportCheck.describe(teacher.model()) + ": the teacher has no output "
                    + teacherLogits + "; it has " + teacher.outputNames());
        }
        this.teacher = teacher;
        this.teacherLogits = teacherLogits;
        this.studentLogits = studentLogits;
        this.temperature = temperature;
        this.softWeight = softWeight;
        this.hard = Loss.softmaxCrossEntropy(studentLogits);
    }

    @Override
    public NDArray compute(Map<String, NDArray> outputs, NDArray labels, Map<String, NDArray> inputs) {
        NDArray student = outputs.get(studentLogits);
        if (student == null) {
            throw new NncjException("the student has no output " + studentLogits + "; it has " + outputs.keySet());
        }
        Map<String, NDArray> teacherInputs = teacher.inputsFrom(inputs, "teacher");
        NDArray t = teacher.infer(labels.getManager(), teacherInputs).get(teacherLogits);
        NDArray soft = softTargetLoss(t.div((float) temperature).logSoftmax(-1), student, temperature);
        if (softWeight == 1) {
            return soft;
        }
        return soft.mul((float) softWeight).add(hard.compute(outputs, labels, inputs).mul((float) (1 - softWeight)));
    }

    /**
     * T^2 * KL(p || softmax(s / T)), averaged over the batch, from the teacher's log-probabilities
     * {@code logTeacher} at temperature T (one teacher's log-softmax, or an ensemble's averaged
     * distribution in log space). Log space on both sides keeps the teacher's zero probabilities
     * finite (0 * log 0 would be NaN).
     */
    static NDArray softTargetLoss(NDArray logTeacher, NDArray studentLogits, double temperature) {
        if (!logTeacher.getShape().equals(studentLogits.getShape())) {
            throw new NncjException("teacher logits " + logTeacher.getShape() + " and student logits "
                    + studentLogits.getShape() + " cannot be compared");
        }
        // float scalars: a double would make DJL's 0-d results float64 (PyTorch promotes 0-d with 0-d)
        float temp = (float) temperature;
        NDArray logStudent = studentLogits.div(temp).logSoftmax(-1);
        NDArray kl = logTeacher.exp().mul(logTeacher.sub(logStudent)).sum(new int[] {-1}).mean();
        return kl.mul(temp * temp);
    }
}
