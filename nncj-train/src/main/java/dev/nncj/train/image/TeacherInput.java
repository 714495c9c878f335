package dev.nncj.train.image;

import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.NncjException;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.nio.file.Path;
import java.util.List;

/**
 * Lets a teacher that takes images in another layout read the student's batches: a LeNet-5 teacher
 * ([N, 1, 28, 28]) for a LeNet-300-100 student ([N, 784]) gets a Reshape in front of its graph. The
 * images are the same pixels in the same order, so only the shape differs; the teacher is only run,
 * never saved.
 */
final class TeacherInput {
    private TeacherInput() {}

    /**
     * {@code teacher} unchanged when it takes the student's input as it is, else the same model with a
     * Reshape of that input put in front; a teacher that cannot read the student's batches is one line
     * naming {@code teacherFile}, before any training.
     */
    static OnnxModel adapt(OnnxModel teacher, Path teacherFile, OnnxModel student) {
        ValueInfoProto t = teacher.graph().inputs().get(0);
        ValueInfoProto s = student.graph().inputs().get(0);
        long[] teacherDims = dims(t);
        long[] studentDims = dims(s);
        boolean sameName = t.getName().equals(s.getName());
        if (sameName && java.util.Arrays.equals(teacherDims, studentDims)) {
            return teacher;
        }
        if (!sameName || perExample(teacherDims) != perExample(studentDims) || perExample(teacherDims) <= 0) {
            throw NncjException.inFile(teacherFile, "the teacher's input '" + t.getName() + "' " + java.util.Arrays.toString(teacherDims)
                    + " does not take the student's '" + s.getName() + "' " + java.util.Arrays.toString(studentDims)
                    + " (same name and the same pixels per example are needed)");
        }
        Graph g = teacher.graph();
        String image = g.nameScope().fresh(t.getName() + "_as_teacher_input");
        String shape = g.nameScope().fresh("teacher_input_shape");
        long[] target = teacherDims.clone();
        target[0] = -1;
        g.addInitializer(Tensor.ofLongs(shape, new long[] {target.length}, target));
        g.replaceAllUses(t.getName(), image);
        g.insertBefore(g.nodes().get(0), Node.of(g.nameScope().fresh("teacher_input_reshape"), "Reshape",
                List.of(t.getName(), shape), List.of(image)));
        return teacher;
    }

    /** The declared dims, the batch (symbolic or not) as -1. */
    private static long[] dims(ValueInfoProto v) {
        List<TensorShapeProto.Dimension> d = v.getType().getTensorType().getShape().getDimList();
        long[] out = new long[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = i == 0 || !d.get(i).hasDimValue() ? -1 : d.get(i).getDimValue();
        }
        return out;
    }

    private static long perExample(long[] dims) {
        long n = 1;
        for (int i = 1; i < dims.length; i++) {
            n *= dims[i];
        }
        return n;
    }
}
