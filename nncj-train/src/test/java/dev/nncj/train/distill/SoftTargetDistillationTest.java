package dev.nncj.train.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.trainer.Batch;
import dev.nncj.train.trainer.ClassificationAccuracy;
import dev.nncj.train.trainer.Loss;
import dev.nncj.train.trainer.StepResult;
import dev.nncj.train.trainer.Trainer;
import dev.nncj.train.trainer.TrainerOptions;
import dev.nncj.train.trainer.TrainerTest;
import dev.nncj.train.trainer.TrainingListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SoftTargetDistillationTest {

    /**
     * An exact XOR teacher, set by hand: h = Relu(x W1) with columns x0+x1, -x0-x1, x0-x1, -x0+x1,
     * so h1+h2 = |x0+x1| and h3+h4 = |x0-x1|; logits = 4 (h3+h4, h1+h2), and |x0+x1| > |x0-x1|
     * exactly when x0 x1 > 0.
     */
    static OnnxModel xorTeacher(int classes) {
        GraphBuilder b = new GraphBuilder("teacher", 17);
        String x = b.input("x", DataType.FLOAT, "batch", 2);
        String h = b.op("Relu", b.op("MatMul", x, b.initializer(Tensor.ofFloats("W1", new long[] {2, 4},
                1, -1, 1, -1,
                1, -1, -1, 1))));
        float[] w2 = new float[4 * classes];
        // row r of W2 sends hidden unit r to a class: units 0, 1 to class 1, units 2, 3 to class 0
        w2[0 * classes + 1] = 4;
        w2[1 * classes + 1] = 4;
        w2[2 * classes] = 4;
        w2[3 * classes] = 4;
        b.output(b.op("MatMul", h, b.initializer(Tensor.ofFloats("W2", new long[] {4, classes}, w2))),
                "logits", DataType.FLOAT, "batch", classes);
        return b.build();
    }

    /**
     * A randomly initialized student learns XOR from the teacher's soft targets alone (the batches'
     * labels are all 0, unused at weight 1): near 100% on held-out points against the true labels.
     */
    @Test
    void aStudentLearnsFromSoftTargetsAlone() throws Exception {
        Random r = new Random(21);
        long[] truth = new long[256];
        float[] xy = TrainerTest.points(r, truth);
        long[] heldOutLabels = new long[256];
        float[] heldOut = TrainerTest.points(r, heldOutLabels);
        List<Batch> unlabeled = TrainerTest.batches(xy, new long[truth.length], 32);
        List<Batch> test = TrainerTest.batches(heldOut, heldOutLabels, 256);
        OnnxModel student = TrainerTest.mlp(12);
        List<StepResult> log = new ArrayList<>();
        try (OnnxExecutor teacher = OnnxExecutor.create(xorTeacher(2), ExecutorOptions.defaults());
                OnnxExecutor executor = OnnxExecutor.create(student, ExecutorOptions.defaults())) {
            assertThat(new ClassificationAccuracy(test, "logits").evaluate(teacher)).isEqualTo(1.0);
            double before = new ClassificationAccuracy(test, "logits").evaluate(executor);
            Loss kd = new SoftTargetDistillation(teacher, "logits", "logits", 2.0, 1.0);
            TrainerOptions options = new TrainerOptions(0.03, 0.0001, 0.9, 0.999, 1e-8, 20, 300, 5.0, 5);
            try (Trainer trainer = new Trainer(executor, kd, options, List.of(new TrainingListener() {
                @Override
                public void onStep(StepResult result) {
                    log.add(result);
                }
            }))) {
                trainer.fit(unlabeled, 1000);
            }
            double after = new ClassificationAccuracy(test, "logits").evaluate(executor);
            System.out.printf("distilled XOR student: held-out accuracy %.3f -> %.3f, KD loss %.4f -> %.4f%n",
                    before, after, log.get(0).loss(), log.get(log.size() - 1).loss());
            assertThat(before).isLessThan(0.8);
            assertThat(after).isGreaterThanOrEqualTo(0.97);
            assertThat(log.get(log.size() - 1).loss()).isLessThan(log.get(0).loss() / 5);
        }
    }

    /** KL is zero when the student is the teacher, whatever the temperature; mixing in the hard loss adds CE. */
    @Test
    void theLossIsZeroForAPerfectCopyAndMixesCrossEntropy() {
        try (OnnxExecutor teacher = OnnxExecutor.create(xorTeacher(2), ExecutorOptions.defaults());
                ai.djl.ndarray.NDManager m = teacher.manager().newSubManager()) {
            var x = m.create(new float[] {0.5f, 0.5f, -0.3f, 0.9f}, new ai.djl.ndarray.types.Shape(2, 2));
            var logits = teacher.forward(m, Map.of("x", x)).get("logits");
            var labels = m.create(new long[] {1, 0});
            double soft = new SoftTargetDistillation(teacher, "logits", "logits", 3.0, 1.0)
                    .compute(Map.of("logits", logits), labels, Map.of("x", x)).getFloat();
            assertThat(soft).isCloseTo(0, org.assertj.core.data.Offset.offset(1e-6));
            double ce = Loss.softmaxCrossEntropy("logits").compute(Map.of("logits", logits), labels, Map.of()).getFloat();
            double mixed = new SoftTargetDistillation(teacher, "logits", "logits", 3.0, 0.25)
                    .compute(Map.of("logits", logits), labels, Map.of("x", x)).getFloat();
            assertThat(mixed).isCloseTo(0.75 * ce, org.assertj.core.data.Offset.offset(1e-6));
            assertThat(ce).isGreaterThan(0.01);
        }
    }

    /**
     * The loss on fixed logits against Hinton et al.'s formula worked out by hand, at T = 3.
     * The XOR teacher gives (0, 4) for x = (0.5, 0.5) and (4.8, 2.4) for x = (-0.3, 0.9) (its
     * comment shows how); the student's logits are set to (1, 2) and (0.5, -1).
     * <pre>
     * row 1: p = softmax(0, 4/3)   = (0.208609, 0.791391)   q = softmax(1/3, 2/3)  = (0.417430, 0.582570)
     *        KL(p||q) = Σ p log(p/q) = 0.097735
     * row 2: p = softmax(1.6, 0.8) = (0.689974, 0.310026)   q = softmax(1/6, -1/3) = (0.622459, 0.377541)
     *        KL(p||q) = 0.009969
     * mean KL 0.053852;  T^2 * mean KL = 9 * 0.053852 = 0.484664
     * CE at T = 1 with labels (1, 0): -log softmax(1, 2)[1] = 0.313262, -log softmax(0.5, -1)[0] = 0.201413; mean 0.257337
     * weight 0.25: 0.25 * 0.484664 + 0.75 * 0.257337 = 0.314169
     * </pre>
     */
    @Test
    void theSoftTermIsTSquaredTimesTheHandComputedKl() {
        try (OnnxExecutor teacher = OnnxExecutor.create(xorTeacher(2), ExecutorOptions.defaults());
                ai.djl.ndarray.NDManager m = teacher.manager().newSubManager()) {
            var x = m.create(new float[] {0.5f, 0.5f, -0.3f, 0.9f}, new ai.djl.ndarray.types.Shape(2, 2));
            assertThat(teacher.forward(m, Map.of("x", x)).get("logits").toFloatArray())
                    .containsExactly(new float[] {0f, 4f, 4.8f, 2.4f}, org.assertj.core.data.Offset.offset(1e-5f));
            var student = m.create(new float[] {1f, 2f, 0.5f, -1f}, new ai.djl.ndarray.types.Shape(2, 2));
            var labels = m.create(new long[] {1, 0});
            double soft = new SoftTargetDistillation(teacher, "logits", "logits", 3.0, 1.0)
                    .compute(Map.of("logits", student), labels, Map.of("x", x)).getFloat();
            // float32 arithmetic on O(1) values: 1e-5 is ~100 ulps; without T^2 it would be 0.053852
            assertThat(soft).isCloseTo(0.484664, org.assertj.core.data.Offset.offset(1e-5));
            double mixed = new SoftTargetDistillation(teacher, "logits", "logits", 3.0, 0.25)
                    .compute(Map.of("logits", student), labels, Map.of("x", x)).getFloat();
            assertThat(mixed).isCloseTo(0.314169, org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void outputsThatCannotBeComparedAreRefused() {
        try (OnnxExecutor teacher = OnnxExecutor.create(xorTeacher(3), ExecutorOptions.defaults());
                ai.djl.ndarray.NDManager m = teacher.manager().newSubManager()) {
            var x = m.create(new float[] {0.5f, 0.5f}, new ai.djl.ndarray.types.Shape(1, 2));
            var student = m.create(new float[] {0.1f, 0.2f}, new ai.djl.ndarray.types.Shape(1, 2));
            Loss kd = new SoftTargetDistillation(teacher, "logits", "logits", 2.0, 1.0);
            assertThatThrownBy(() -> kd.compute(Map.of("logits", student), m.create(new long[] {0}), Map.of("x", x)))
                    .isInstanceOf(NncjException.class).hasMessageContaining("cannot be compared");
            assertThatThrownBy(() -> new SoftTargetDistillation(teacher, "probs", "logits", 2.0, 1.0))
                    .isInstanceOf(NncjException.class).hasMessageContaining("the teacher has no output probs");
        }
    }
}
