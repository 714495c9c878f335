package dev.nncj.train;

import ai.djl.ndarray.NDArray;
import dev.nncj.NncjException;
import java.util.Collection;
import java.util.HashMap;
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
        Map<String, NDArray> teacherInputs = new HashMap<>();
        for (String name : teacher.inputNames()) {
            NDArray a = inputs.get(name);
            if (a == null) {
                throw new NncjException("the teacher takes input " + name + ", which the batch does not have");
            }
            teacherInputs.put(name, a);
        }
        Map<String, NDArray> targets = teacher.infer(labels.getManager(), teacherInputs, List.copyOf(studentToTeacher.values()));
        NDArray total = null;
        for (Map.Entry<String, String> pair : studentToTeacher.entrySet()) {
            NDArray s = outputs.get(pair.getKey());
            NDArray t = targets.get(pair.getValue());
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
        return total.div((float) studentToTeacher.size());
    }
}
