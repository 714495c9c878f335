package dev.nncj.train.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.provenance.Provenance;
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.finetune.FineTuneOptions;
import dev.nncj.train.trainer.Batch;
import dev.nncj.train.trainer.Checkpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistillerTest {
    @TempDir
    Path dir;

    private static DistillOptions soft(int epochs) {
        return DistillOptions.recovery().withHardWeight(0).withTraining(FineTuneOptions.defaults().withEpochs(epochs)
                .withBatchSize(8).withLearningRate(0.05).withWeightDecay(0).withWarmupFraction(0).withEvalEvery(1000)
                .withPatience(0).withMaxLength(16));
    }

    private static double mean(List<Double> xs) {
        return xs.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    /** A student with other embeddings and another head moves towards the teacher: the soft loss falls. */
    @Test
    void aFewStepsLowerTheSoftTargetLossAndProvenanceNamesTheTeacher() throws IOException {
        DistillFixtures.data(dir);
        Path teacher = DistillFixtures.embedderClassifier(dir, "teacher.onnx", 0.3f, 1);
        Path student = DistillFixtures.embedderClassifier(dir, "student.onnx", 1.5f, 7);
        DistillData data = DistillData.load(dir.resolve("train.tsv"), null, dir.resolve("tokenizer.json"));

        DistillResult r = Distiller.distill(List.of(OnnxFiles.load(teacher)), OnnxFiles.load(student), data, soft(4),
                ProgressListener.NONE, List.of());

        assertThat(r.steps()).isEqualTo(4 * 8);
        assertThat(mean(r.losses().subList(24, 32))).isLessThan(0.5 * mean(r.losses().subList(0, 8)));
        Map<String, String> meta = r.student().metadata();
        assertThat(meta.get(Provenance.STEPS)).contains("\"step\":\"distill\"").contains("teacher.onnx")
                .contains("\"soft_weight\":1.0").contains("train.tsv (64 labelled examples)").contains("\"steps\":32");
    }

    /** Two teachers: the target is log(mean of their softmax(logits / T)), checked against arithmetic done here. */
    @Test
    void anEnsembleAveragesTheTeachersSoftenedDistributions() throws IOException {
        DistillFixtures.data(dir);
        Path first = DistillFixtures.embedderClassifier(dir, "first.onnx", 0.3f, 1);
        Path second = DistillFixtures.embedderClassifier(dir, "second.onnx", 0.9f, 5);
        double temperature = 3;
        try (var tokenizer = dev.nncj.data.TextTokenizer.load(dir.resolve("tokenizer.json"));
                OnnxExecutor a = OnnxExecutor.create(OnnxFiles.load(first), ExecutorOptions.defaults());
                OnnxExecutor b = OnnxExecutor.create(OnnxFiles.load(second), ExecutorOptions.defaults());
                var scope = a.manager().newSubManager()) {
            Batch batch = DistillTexts.load(dir.resolve("dev.tsv")).batches(tokenizer, 8, a.inputNames()).get(0);
            Map<String, ai.djl.ndarray.NDArray> inputs = batch.arrays(scope);
            float[] la = a.infer(scope, inputs).get("logits").toFloatArray();
            float[] lb = b.infer(scope, inputs).get("logits").toFloatArray();
            float[] got = new TeacherEnsemble(List.of(a, b), "logits").targets(scope, inputs, temperature, List.of())
                    .logProbabilities().toFloatArray();
            assertThat(got).hasSize(16);
            for (int row = 0; row < 8; row++) {
                double[] pa = softmax(la[2 * row] / temperature, la[2 * row + 1] / temperature);
                double[] pb = softmax(lb[2 * row] / temperature, lb[2 * row + 1] / temperature);
                for (int c = 0; c < 2; c++) {
                    assertThat((double) got[2 * row + c]).isCloseTo(Math.log((pa[c] + pb[c]) / 2), org.assertj.core.data.Offset.offset(1e-5));
                }
            }
            assertThat(Math.abs(la[0] - lb[0])).as("the teachers differ").isGreaterThan(1e-3f);
        }
        DistillResult r = Distiller.distill(List.of(OnnxFiles.load(first), OnnxFiles.load(second)),
                OnnxFiles.load(DistillFixtures.embedderClassifier(dir, "student.onnx", 1.5f, 7)),
                DistillFixtures.trainAndDev(dir), soft(1), ProgressListener.NONE, List.of());
        assertThat(r.student().metadata().get(Provenance.STEPS)).contains("first.onnx").contains("second.onnx");
    }

    private static double[] softmax(double x, double y) {
        double m = Math.max(x, y);
        double ex = Math.exp(x - m);
        double ey = Math.exp(y - m);
        return new double[] {ex / (ex + ey), ey / (ex + ey)};
    }

    /** Hard labels on text without labels: one line naming the file, before anything runs. */
    @Test
    void unlabeledTextTrainsOnTheTeachersTargetsAndRefusesHardLabels() throws IOException {
        DistillFixtures.data(dir);
        Path teacher = DistillFixtures.embedderClassifier(dir, "teacher.onnx", 0.3f, 1);
        Path student = DistillFixtures.embedderClassifier(dir, "student.onnx", 1.5f, 7);
        Path text = Files.writeString(dir.resolve("text.txt"), "the cat sat\na dog\nthe mat\n\ncats on a mat .\n");
        DistillData data = DistillData.load(text, dir.resolve("dev.tsv"), dir.resolve("tokenizer.json"));
        assertThat(data.train().isLabeled()).isFalse();
        assertThat(data.train().size()).isEqualTo(4);

        DistillResult r = Distiller.distill(List.of(OnnxFiles.load(teacher)), OnnxFiles.load(student), data, soft(2),
                ProgressListener.NONE, List.of());
        assertThat(r.steps()).isEqualTo(2);
        assertThat(r.evalAccuracy()).isPresent();

        assertThatThrownBy(() -> Distiller.distill(List.of(OnnxFiles.load(teacher)), OnnxFiles.load(student), data,
                soft(1).withHardWeight(0.5), ProgressListener.NONE, List.of()))
                .isInstanceOf(NncjException.class)
                .hasMessageContaining("text.txt").hasMessageContaining("hard-label weight must be 0");
    }

    /** Hidden-state MSE and attention KL of a student that is the teacher itself are 0; of a 2-of-4-layer student, they fall. */
    @Test
    void hiddenAndAttentionTermsVanishForACopyAndFallForAStudent() throws IOException {
        DistillFixtures.data(dir);
        Path teacher = DistillFixtures.encoderClassifier(dir, "teacher.onnx", List.of(0, 1, 2, 3), 1);
        Path student = DistillFixtures.encoderClassifier(dir, "student.onnx", List.of(0, 2), 1);
        DistillOptions layers = soft(1).withHiddenWeight(1).withAttentionWeight(1).withSoftWeight(0)
                .withTraining(soft(1).training().withLearningRate(0.01).withMaxTrainExamples(8));

        DistillResult copy = Distiller.distill(List.of(OnnxFiles.load(teacher)), OnnxFiles.load(teacher),
                DistillData.load(dir.resolve("train.tsv"), null, dir.resolve("tokenizer.json")), layers,
                ProgressListener.NONE, List.of());
        assertThat(copy.losses().get(0)).isLessThan(1e-6);

        DistillResult r = Distiller.distill(List.of(OnnxFiles.load(teacher)), OnnxFiles.load(student),
                DistillData.load(dir.resolve("train.tsv"), null, dir.resolve("tokenizer.json")),
                layers.withLayerMap(Map.of(0, 0, 1, 2)).withTraining(layers.training().withEpochs(6).withMaxTrainExamples(24)),
                ProgressListener.NONE, List.of());
        assertThat(r.losses().get(0)).isGreaterThan(0.01);
        assertThat(r.steps()).isEqualTo(18);
        assertThat(mean(r.losses().subList(15, 18))).isLessThan(0.7 * mean(r.losses().subList(0, 3)));
        assertThat(r.layerMap()).containsEntry(0, 0).containsEntry(1, 2);
    }

    /**
     * A student derived from a 4-layer classifier keeping every layer computes what the teacher
     * computes (the teacher's own weights, head included); keeping layers 0 and 2 halves the layers,
     * keeps the logits output and maps student layer i to the teacher layer it came from.
     */
    @Test
    void aDerivedStudentStartsFromTheTeachersWeightsAndHead() throws IOException {
        DistillFixtures.data(dir);
        Path teacherFile = DistillFixtures.encoderClassifier(dir, "teacher.onnx", List.of(0, 1, 2, 3), 1);
        OnnxModel teacher = OnnxFiles.load(teacherFile);
        StudentDerivation.DerivedStudent all = StudentDerivation.derive(teacher, teacherFile,
                StudentShape.layers(List.of(0, 1, 2, 3)));
        StudentDerivation.DerivedStudent half = StudentDerivation.derive(teacher, teacherFile,
                StudentShape.layers(List.of(0, 2)));
        assertThat(half.layerMap()).containsExactly(Map.entry(0, 0), Map.entry(1, 2));
        assertThat(half.studentParameters()).isLessThan(all.studentParameters());
        assertThat(half.model().graph().outputs()).extracting(v -> v.getName()).containsExactly("logits");
        assertThat(LayerValues.find(half.model().graph()).orElseThrow().layers()).isEqualTo(2);
        assertThat(LayerValues.find(half.model().graph()).orElseThrow().attention()).hasSize(2);

        try (var tokenizer = dev.nncj.data.TextTokenizer.load(dir.resolve("tokenizer.json"));
                OnnxExecutor t = OnnxExecutor.create(teacher, ExecutorOptions.defaults());
                OnnxExecutor s = OnnxExecutor.create(all.model(), ExecutorOptions.defaults());
                OnnxExecutor h = OnnxExecutor.create(half.model(), ExecutorOptions.defaults());
                var scope = t.manager().newSubManager()) {
            Batch batch = DistillTexts.load(dir.resolve("dev.tsv")).batches(tokenizer, 8, t.inputNames()).get(3);
            Map<String, ai.djl.ndarray.NDArray> inputs = batch.arrays(scope);
            float[] expected = t.infer(scope, inputs).get("logits").toFloatArray();
            assertThat(s.infer(scope, inputs).get("logits").toFloatArray())
                    .containsExactly(expected, org.assertj.core.data.Offset.offset(1e-5f));
            float[] halved = h.infer(scope, inputs).get("logits").toFloatArray();
            assertThat(Math.abs(halved[0] - expected[0]) + Math.abs(halved[1] - expected[1])).isGreaterThan(1e-4f);
        }
        assertThatThrownBy(() -> StudentDerivation.derive(teacher, teacherFile, StudentShape.layers(List.of(0, 4))))
                .hasMessageContaining("teacher.onnx").hasMessageContaining("layer 4 is out of range");
    }

    /** After cross-layer sharing one bias is read by every layer of its group: each of its Adds is still one layer. */
    @Test
    void aSharedEncoderHasOneHiddenStatePerLayerUse() throws IOException {
        Path file = DistillFixtures.encoderClassifier(dir, "clf.onnx", List.of(0, 1, 2, 3), 1);
        OnnxModel shared = dev.nncj.share.CrossLayerSharing.share(OnnxFiles.load(file), file,
                dev.nncj.share.CrossLayerOptions.of(2, "mean")).model();
        LayerValues values = LayerValues.find(shared.graph()).orElseThrow();
        assertThat(values.layers()).isEqualTo(4);
        assertThat(values.hidden()).doesNotHaveDuplicates();
        assertThat(values.attention()).hasSize(4);
        assertThat(shared.graph().consumers("layer.0.ffn.down.bias")).hasSize(2);
    }

    @Test
    void aLayerMapOutOfRangeIsOneLineBeforeTraining() throws IOException {
        DistillFixtures.data(dir);
        Path teacher = DistillFixtures.encoderClassifier(dir, "teacher.onnx", List.of(0, 1, 2, 3), 1);
        Path student = DistillFixtures.encoderClassifier(dir, "student.onnx", List.of(0, 2), 1);
        DistillOptions options = soft(1).withHiddenWeight(1).withLayerMap(Map.of(0, 1, 1, 4));
        assertThatThrownBy(() -> Distiller.distill(List.of(OnnxFiles.load(teacher)), OnnxFiles.load(student),
                DistillFixtures.trainAndDev(dir), options, ProgressListener.NONE, List.of()))
                .isInstanceOf(NncjException.class)
                .hasMessage("layer map 1:4: teacher layer 4 is out of range (the teacher has layers 0..3)");
    }

    @Test
    void labelsTheHeadCannotHoldAndIncomparableStudentsAreOneLine() throws IOException {
        DistillFixtures.data(dir);
        Path teacher = DistillFixtures.embedderClassifier(dir, "teacher.onnx", 0.3f, 1);
        Path student = DistillFixtures.embedderClassifier(dir, "student.onnx", 1.5f, 7);
        Files.writeString(dir.resolve("train.tsv"), "sentence\tlabel\nthe cat\t1\nthe dog\t2\n");
        assertThatThrownBy(() -> Distiller.distill(List.of(OnnxFiles.load(teacher)), OnnxFiles.load(student),
                DistillFixtures.trainAndDev(dir), soft(1).withHardWeight(1), ProgressListener.NONE, List.of()))
                .hasMessageContaining("train.tsv").hasMessageContaining("label 2 does not fit the teacher's 2 classes");

        DistillFixtures.data(dir);
        OnnxModel threeClasses = OnnxFiles.load(DistillFixtures.embedderClassifier(dir, "three.onnx", 0.3f, 1));
        OnnxModel encoderOnly = dev.nncj.onnx.TinyModels.tokenEmbedder(dev.nncj.data.TinyTokenizer.VOCABULARY_SIZE, 0.3f);
        OnnxFiles.save(encoderOnly, dir.resolve("encoder.onnx"));
        assertThatThrownBy(() -> Distiller.distill(List.of(OnnxFiles.load(teacher)),
                OnnxFiles.load(dir.resolve("encoder.onnx")), DistillFixtures.trainAndDev(dir), soft(1),
                ProgressListener.NONE, List.of()))
                .hasMessageContaining("encoder.onnx").hasMessageContaining("none comparable with the teacher's logits");
    }

    /**
     * An absurd learning rate: the run stops naming the step and where the last good weights are,
     * the latest checkpoint's model in the run's checkpoint folder; without a folder nothing is kept.
     */
    @Test
    void aDivergingLearningRateStopsNamingTheStepAndTheKeptWeights() throws IOException {
        DistillFixtures.data(dir);
        Path teacher = DistillFixtures.embedderClassifier(dir, "teacher.onnx", 0.3f, 1);
        Path student = DistillFixtures.embedderClassifier(dir, "student.onnx", 1.5f, 7);
        Path folder = dir.resolve("out.onnx.checkpoint");
        FineTuneOptions diverging = soft(2).training().withLearningRate(1e36).withEvalEvery(1);
        DistillOptions options = soft(2).withTraining(diverging.withCheckpoints(Checkpoints.startingIn(folder, "run")));
        assertThatThrownBy(() -> Distiller.distill(List.of(OnnxFiles.load(teacher)), OnnxFiles.load(student),
                DistillFixtures.trainAndDev(dir), options, ProgressListener.NONE, List.of()))
                .isInstanceOf(NncjException.class)
                .hasMessageMatching("loss is (NaN|Infinity) at step \\d+; lower the learning rate .*; the last good weights"
                        + " are kept in .*model\\.onnx")
                .satisfies(e -> {
                    Path kept = Path.of(e.getMessage().substring(e.getMessage().indexOf("kept in ") + 8));
                    assertThat(kept.getParent().getParent()).isEqualTo(folder);
                    assertThat(OnnxFiles.load(kept).graph().outputs()).hasSize(1);
                });
        assertThatThrownBy(() -> Distiller.distill(List.of(OnnxFiles.load(teacher)), OnnxFiles.load(student),
                DistillFixtures.trainAndDev(dir), soft(2).withTraining(diverging), ProgressListener.NONE, List.of()))
                .hasMessageEndingWith("; no weights were kept (the run keeps no checkpoints)");
    }
}
