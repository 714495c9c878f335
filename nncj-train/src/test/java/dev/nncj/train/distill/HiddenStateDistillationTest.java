package dev.nncj.train.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.nncj.NncjException;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.ops.TensorArrays;
import dev.nncj.train.trainer.Batch;
import dev.nncj.train.trainer.ClassificationAccuracy;
import dev.nncj.train.trainer.Loss;
import dev.nncj.train.trainer.Trainer;
import dev.nncj.train.trainer.TrainerOptions;
import dev.nncj.train.trainer.TrainerTest;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HiddenStateDistillationTest {

    /** The value the (first) Relu node of {@code model} computes. */
    static String reluOutput(OnnxModel model) {
        return model.graph().nodes().stream().filter(n -> n.is("Relu")).findFirst().orElseThrow().output(0);
    }

    /** x[batch,2] ── MatMul(W1[2,width]) ── Relu ── MatMul(W2[width,2]) ── logits, random weights. */
    static OnnxModel student(int width, long seed) {
        Random r = new Random(seed);
        float[] w1 = new float[2 * width];
        float[] w2 = new float[width * 2];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < w2.length; i++) {
            w2[i] = (float) (r.nextGaussian() * 0.3);
        }
        GraphBuilder b = new GraphBuilder("student", 17);
        String x = b.input("x", DataType.FLOAT, "batch", 2);
        String h = b.op("Relu", b.op("MatMul", x, b.initializer(Tensor.ofFloats("W1", new long[] {2, width}, w1))));
        b.output(b.op("MatMul", h, b.initializer(Tensor.ofFloats("W2", new long[] {width, 2}, w2))),
                "logits", DataType.FLOAT, "batch", 2);
        return b.build();
    }

    private static double hiddenLoss(HiddenStateDistillation loss, OnnxExecutor student, Batch batch) {
        try (NDManager m = student.manager().newSubManager()) {
            NDArray x = TensorArrays.toArray(m, batch.inputs().get("x"));
            Map<String, NDArray> out = student.infer(m, Map.of("x", x), loss.values());
            return loss.compute(out, m.create(batch.labels()), Map.of("x", x)).getFloat();
        }
    }

    /**
     * Hidden-state MSE plus soft targets: the student's hidden layer converges to the teacher's
     * (MSE down more than 10x on held-out points) and it classifies XOR.
     */
    @Test
    void theStudentsHiddenLayerApproachesTheTeachers() {
        Random r = new Random(8);
        long[] labels = new long[256];
        List<Batch> batches = TrainerTest.batches(TrainerTest.points(r, labels), labels, 32);
        long[] heldOutLabels = new long[256];
        Batch heldOut = TrainerTest.batches(TrainerTest.points(r, heldOutLabels), heldOutLabels, 256).get(0);
        OnnxModel teacherModel = SoftTargetDistillationTest.xorTeacher(2);
        OnnxModel studentModel = student(4, 3);
        try (OnnxExecutor teacher = OnnxExecutor.create(teacherModel, ExecutorOptions.defaults());
                OnnxExecutor executor = OnnxExecutor.create(studentModel, ExecutorOptions.defaults())) {
            HiddenStateDistillation hidden = new HiddenStateDistillation(teacher,
                    Map.of(reluOutput(studentModel), reluOutput(teacherModel)));
            Loss loss = hidden.plus(new SoftTargetDistillation(teacher, "logits", "logits", 2.0, 1.0), 0.1);
            assertThat(loss.values()).containsExactly(reluOutput(studentModel));
            double before = hiddenLoss(hidden, executor, heldOut);
            TrainerOptions options = new TrainerOptions(0.05, 0, 0.9, 0.999, 1e-8, 10, 400, 5.0, 4);
            try (Trainer trainer = new Trainer(executor, loss, options, List.of())) {
                trainer.fit(batches, 1000);
            }
            double after = hiddenLoss(hidden, executor, heldOut);
            double accuracy = new ClassificationAccuracy(List.of(heldOut), "logits").evaluate(executor);
            System.out.printf("hidden-state distillation: held-out hidden MSE %.4f -> %.5f, accuracy %.3f%n",
                    before, after, accuracy);
            assertThat(after).isLessThan(before / 10);
            assertThat(accuracy).isGreaterThanOrEqualTo(0.95);
        }
    }

    @Test
    void valuesOfDifferentShapesAreRefused() {
        OnnxModel teacherModel = SoftTargetDistillationTest.xorTeacher(2);
        OnnxModel studentModel = student(16, 1);
        try (OnnxExecutor teacher = OnnxExecutor.create(teacherModel, ExecutorOptions.defaults());
                OnnxExecutor executor = OnnxExecutor.create(studentModel, ExecutorOptions.defaults())) {
            HiddenStateDistillation hidden = new HiddenStateDistillation(teacher,
                    Map.of(reluOutput(studentModel), reluOutput(teacherModel)));
            Batch batch = new Batch(Map.of("x", Tensor.ofFloats("x", new long[] {1, 2}, 0.5f, -0.5f)), new long[] {0});
            assertThatThrownBy(() -> hiddenLoss(hidden, executor, batch))
                    .isInstanceOf(NncjException.class).hasMessageContaining("cannot be compared");
        }
    }
}
