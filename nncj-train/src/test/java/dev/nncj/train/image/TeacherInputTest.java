package dev.nncj.train.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.execution.OnnxExecutor;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class TeacherInputTest {
    /** A LeNet-5 teacher reads a LeNet-300-100 student's flat batches and gives the logits it gives the images. */
    @Test
    void aCnnTeacherReadsTheMlpStudentsFlatBatches() {
        OnnxModel student = LeNet.LENET_300_100.build(1);
        OnnxModel adapted = TeacherInput.adapt(LeNet.LENET_5.build(2), Path.of("lenet5.onnx"), student);
        float[] pixels = new float[2 * 784];
        Random r = new Random(3);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = r.nextFloat();
        }
        try (OnnxExecutor original = OnnxExecutor.create(LeNet.LENET_5.build(2), ExecutorOptions.defaults());
             OnnxExecutor flat = OnnxExecutor.create(adapted, ExecutorOptions.defaults());
             NDManager m = original.manager().newSubManager()) {
            float[] expected = original.infer(m, Map.of(LeNet.INPUT, m.create(pixels, new Shape(2, 1, 28, 28))))
                    .get(LeNet.OUTPUT).toFloatArray();
            float[] got = flat.infer(m, Map.of(LeNet.INPUT, m.create(pixels, new Shape(2, 784)))).get(LeNet.OUTPUT).toFloatArray();
            assertThat(got).containsExactly(expected, Offset.offset(1e-5f));
        }
        OnnxModel same = LeNet.LENET_300_100.build(4);
        assertThat(TeacherInput.adapt(same, Path.of("mlp.onnx"), student)).isSameAs(same);
    }

    @Test
    void aTeacherOfOtherPixelsIsOneLineNamingItsFile() {
        OnnxModel student = LeNet.LENET_300_100.build(1);
        dev.nncj.onnx.GraphBuilder b = new dev.nncj.onnx.GraphBuilder("small", 17);
        String x = b.input(LeNet.INPUT, dev.nncj.onnx.DataType.FLOAT, "batch", 1, 14, 14);
        b.output(b.op("Flatten", x), LeNet.OUTPUT, dev.nncj.onnx.DataType.FLOAT, "batch", 196);
        assertThatThrownBy(() -> TeacherInput.adapt(b.build(), Path.of("small.onnx"), student))
                .hasMessageStartingWith("small.onnx: the teacher's input 'pixels' [-1, 1, 14, 14] does not take the student's 'pixels' [-1, 784]");
        // the same rank but other pixels: refused too, not left to fail inside PyTorch
        dev.nncj.onnx.GraphBuilder flat = new dev.nncj.onnx.GraphBuilder("flat", 17);
        String y = flat.input(LeNet.INPUT, dev.nncj.onnx.DataType.FLOAT, "batch", 196);
        flat.output(flat.op("Relu", y), LeNet.OUTPUT, dev.nncj.onnx.DataType.FLOAT, "batch", 196);
        assertThatThrownBy(() -> TeacherInput.adapt(flat.build(), Path.of("flat.onnx"), student))
                .hasMessageStartingWith("flat.onnx: the teacher's input 'pixels' [-1, 196] does not take the student's 'pixels' [-1, 784]");
    }
}
