package dev.nncj.train.distill;

import ai.djl.ndarray.NDArray;
import dev.nncj.NncjException;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.trainer.Loss;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Intermediate-layer distillation (TinyBERT, Jiao et al. 2020, eq. 7 without the projection): the
 * mean squared error between student values and the teacher values they are mapped to (hidden
 * states of layer i of the student against layer m(i) of the teacher), averaged over the pairs.
 * Mapped values must have equal shapes; a student narrower than its teacher needs a projection,
 * which this class does not add.
 */
public final class HiddenStateDistillation implements Loss {
    private final OnnxExecutor teacher;
    private final Map<String, String> studentToTeacher;

    /** @param studentToTeacher student value name to teacher value name, in pair order */
    public HiddenStateDistillation(OnnxExecutor teacher, Map<String, String> studentToTeacher) {
        if (studentToTeacher.isEmpty()) {
            throw new IllegalArgumentException("no layer mapping given");
        }
        this.teacher = teacher;
        this.studentToTeacher = new LinkedHashMap<>(studentToTeacher);
    }

    @Override
    public Collection<String> values() {
        return studentToTeacher.keySet();
    }

    @Override
    public NDArray compute(Map<String, NDArray> outputs, NDArray labels, Map<String, NDArray> inputs) {
        Map<String, NDArray> teacherInputs = teacher.inputsFrom(inputs, "teacher");
        Map<String, NDArray> targets = teacher.infer(labels.getManager(), teacherInputs, List.copyOf(studentToTeacher.values()));
        return meanSquaredError(studentToTeacher, outputs, targets);
    }

    /** The mean over {@code pairs} (student value to teacher value) of each pair's mean squared error. */
    static NDArray meanSquaredError(Map<String, String> pairs, Map<String, NDArray> student, Map<String, NDArray> teacher) {
        NDArray total = null;
        for (Map.Entry<String, String> pair : pairs.entrySet()) {
            NDArray s = student.get(pair.getKey());
            NDArray t = teacher.get(pair.getValue());
            if (s == null) {
                throw new NncjException("the student computes no value " + pair.getKey());
            }
            if (!s.getShape().equals(t.getShape())) {
                throw new NncjException("student " + pair.getKey() + " " + s.getShape() + " and teacher "
                        + pair.getValue() + " " + t.getShape() + " cannot be compared");
            }
            NDArray mse = s.sub(t).square().mean();
            total = total == null ? mse : total.add(mse);
        }
        return total.div((float) pairs.size());
    }
}
