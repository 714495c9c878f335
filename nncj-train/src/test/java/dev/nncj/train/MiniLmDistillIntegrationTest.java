package dev.nncj.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.ProgressListener;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.TextClassificationEval;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real path on all-MiniLM-L6-v2: a classifier (MiniLM + head, as finetune builds it, PyTorch
 * export style) is lifted with its head, a 3-layer student (layers 0, 2, 4) is derived, and two steps
 * with all four loss terms run; ONNX Runtime scores the result. The teacher's head is untrained, so
 * only the mechanics are checked here, not accuracy (bench/results/2026-11-27-distill.md has that).
 */
class MiniLmDistillIntegrationTest {
    @TempDir
    Path dir;

    @Test
    void derivesAndDistillsAThreeLayerStudentThatOnnxRuntimeRuns() throws IOException {
        ModelZoo.Fetched minilm = ModelZoo.get("all-minilm-l6-v2", dir.resolve("minilm"), ProgressListener.NONE);
        OnnxModel encoder = OnnxFiles.load(minilm.modelFile());
        ClassifierHead.attach(encoder, "last_hidden_state", 2, 1);
        Path teacher = dir.resolve("teacher.onnx");
        OnnxFiles.save(encoder, teacher);
        List<String> rows = Files.readAllLines(MiniLmExecutionTest.SST2_TEST).subList(0, 17);
        Path data = Files.write(dir.resolve("sst2-16.tsv"), rows);

        OnnxModel teacherModel = OnnxFiles.load(teacher);
        StudentDerivation.DerivedStudent student = StudentDerivation.derive(teacherModel, teacher,
                StudentShape.layers(List.of(0, 2, 4)));
        DistillOptions options = DistillOptions.recovery().withHiddenWeight(1).withAttentionWeight(1)
                .withLayerMap(student.layerMap())
                .withTraining(FineTuneOptions.defaults().withBatchSize(8).withMaxLength(32).withLearningRate(1e-4));
        DistillResult r = Distiller.distill(List.of(teacherModel), student.model(),
                new DistillData(DistillTexts.load(data), java.util.Optional.empty(), minilm.tokenizerFile()), options,
                ProgressListener.NONE, List.of());

        assertThat(r.steps()).isEqualTo(2);
        assertThat(r.losses()).allSatisfy(l -> assertThat(l).isFinite().isPositive());
        assertThat(LayerValues.find(r.student().graph()).orElseThrow().layers()).isEqualTo(3);
        Path saved = dir.resolve("student.onnx");
        OnnxFiles.save(r.student(), saved);
        try (TextTokenizer tokenizer = TextTokenizer.load(minilm.tokenizerFile())) {
            double accuracy = TextClassificationEval.run(saved, TextClassificationDataset.load(data), tokenizer,
                    EvalOptions.defaults(), ProgressListener.NONE).value();
            assertThat(accuracy).isBetween(0.0, 1.0);
            assertThat((double) r.student().graph().parameterCount()).isLessThan(0.8 * teacherModel.graph().parameterCount());
        }
    }
}
