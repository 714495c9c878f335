package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.ProgressListener;
import dev.nncj.data.TextTokenizer;
import dev.nncj.eval.EvalOptions;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.search.Architecture;
import dev.nncj.search.CandidateEvaluator;
import dev.nncj.search.Fidelity;
import dev.nncj.search.LayerChoice;
import dev.nncj.search.NumericForm;
import dev.nncj.search.TokenTableForm;
import dev.nncj.transformer.EncoderLayer;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.ImportanceScores;
import dev.nncj.transformer.MagnitudeImportance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCandidateEvaluatorTest {
    @TempDir
    Path dir;

    /**
     * A distilled candidate's model stays in the training folder until the front is written: an
     * evaluator of a resumed search (a new one, nothing in memory) reads it instead of training again,
     * and a candidate that differs only in its numeric form is not trained again either.
     */
    @Test
    void aFinishedDistillationIsKeptForTheFrontAndNotTrainedAgain() throws Exception {
        Path clf = SearchCommandTest.classifier(dir);
        Path training = dir.resolve("training");
        SearchEvaluatorFactory inputs = SearchEvaluatorFactory.of(clf, dir.resolve("train.tsv"), dir.resolve("dev.tsv"), 16,
                new SearchDistillation(16, 1, 1, 0), 1, List.of(Fidelity.INHERITED, Fidelity.SHORT_DISTILL));
        OnnxModel teacher = InputModel.load(clf);
        EncoderSpec encoder = EncoderLifter.lift(teacher, clf);
        ImportanceScores scores = new MagnitudeImportance().score(encoder);
        EncoderLayer first = encoder.layers().get(0);
        Architecture candidate = new Architecture(List.of(new LayerChoice(0, first.attention().heads(), first.ffn().width())),
                NumericForm.ofLabel("fp32"), TokenTableForm.ofLabel("table-fp32"));

        try (TextTokenizer tokenizer = TextTokenizer.load(ModelOutput.tokenizerBeside(clf))) {
            StepCount steps = new StepCount();
            CandidateEvaluator.Evaluation trained = inputs.evaluator(teacher, encoder, scores, tokenizer,
                    EvalOptions.defaults(), Optional.of(training), steps).evaluate(candidate, Fidelity.SHORT_DISTILL);
            // the distillation's steps reach the search's progress (a full one runs for hours)
            assertThat(steps.task).isEqualTo("short-distill " + candidate.shape() + ": distilling");
            assertThat(steps.done).isEqualTo(steps.total).isPositive();
            Path kept;
            try (Stream<Path> folders = Files.list(training)) {
                kept = folders.toList().get(0).resolve("trained.onnx");
            }
            assertThat(kept).isRegularFile();
            FileTime written = Files.getLastModifiedTime(kept);

            LocalCandidateEvaluator resumed = inputs.evaluator(teacher, encoder, scores, tokenizer, EvalOptions.defaults(),
                    Optional.of(training), ProgressListener.NONE);
            assertThat(resumed.evaluate(candidate, Fidelity.SHORT_DISTILL)).isEqualTo(trained);
            assertThat(Files.getLastModifiedTime(kept)).as("read back, not trained and written again").isEqualTo(written);

            // another numeric form of the same layers is applied after training: the same distillation serves it
            Architecture int8 = new Architecture(candidate.layers(), NumericForm.ofLabel("int8-dynamic"), candidate.table());
            assertThat(resumed.evaluate(int8, Fidelity.SHORT_DISTILL).bytes()).isNotEqualTo(trained.bytes()); // another file
            try (Stream<Path> folders = Files.list(training)) {
                assertThat(folders.toList()).singleElement();
            }
            assertThat(Files.getLastModifiedTime(kept)).isEqualTo(written);

            resumed.discardTraining();
            assertThat(training).doesNotExist();
        }
    }

    /**
     * The QAT stage trains the full distillation's model (not a new distillation) in the candidate's int8
     * form and writes that form; a float or fused candidate has nothing to adapt and is the full distillation's model.
     */
    @Test
    void qatTrainsTheFullDistillationsModelInItsInt8Form() throws Exception {
        Path clf = SearchCommandTest.classifier(dir);
        Path training = dir.resolve("training");
        SearchEvaluatorFactory inputs = SearchEvaluatorFactory.of(clf, dir.resolve("train.tsv"), dir.resolve("dev.tsv"), 16,
                new SearchDistillation(16, 1, 1, 0), 1, List.of(Fidelity.INHERITED, Fidelity.FULL_DISTILL, Fidelity.QAT));
        OnnxModel teacher = InputModel.load(clf);
        EncoderSpec encoder = EncoderLifter.lift(teacher, clf);
        ImportanceScores scores = new MagnitudeImportance().score(encoder);
        EncoderLayer first = encoder.layers().get(0);
        List<LayerChoice> layers = List.of(new LayerChoice(0, first.attention().heads(), first.ffn().width()));
        Architecture int8 = new Architecture(layers, NumericForm.ofLabel("int8-dynamic"), TokenTableForm.ofLabel("table-int8"));
        Architecture fp32 = new Architecture(layers, NumericForm.ofLabel("fp32"), TokenTableForm.ofLabel("table-fp32"));

        try (TextTokenizer tokenizer = TextTokenizer.load(ModelOutput.tokenizerBeside(clf))) {
            LocalCandidateEvaluator evaluator = inputs.evaluator(teacher, encoder, scores, tokenizer, EvalOptions.defaults(),
                    Optional.of(training), ProgressListener.NONE);
            OnnxModel qat = evaluator.build(int8, Fidelity.QAT);
            assertThat(qat.graph().nodes()).anyMatch(n -> n.opType().equals("DynamicQuantizeLinear"))
                    .anyMatch(n -> n.opType().equals("MatMulIntegerToFloat"))
                    .noneMatch(n -> n.opType().startsWith("FakeQuantize"));
            try (Stream<Path> folders = Files.list(training)) {
                assertThat(folders.map(f -> f.getFileName().toString().replaceAll("-[0-9a-f]{16}$", "")))
                        .containsExactlyInAnyOrder("full-distill", "qat");
            }
            OnnxModel distilledOnly = evaluator.build(int8, Fidelity.FULL_DISTILL);
            assertThat(distilledOnly.graph().initializers().keySet()).isEqualTo(qat.graph().initializers().keySet());
            assertThat(distilledOnly.graph().initializers().values())
                    .as("QAT trained the weights further")
                    .anyMatch(t -> !t.rawData().equals(qat.graph().initializer(t.name()).orElseThrow().rawData()));
            assertThat(evaluator.evaluate(fp32, Fidelity.QAT)).isEqualTo(evaluator.evaluate(fp32, Fidelity.FULL_DISTILL));
            // fused attention has no trainable form: at QAT it is the full distillation's model, written fused
            Architecture fused = new Architecture(layers, NumericForm.ofLabel("int8-dynamic-fused"), int8.table());
            assertThat(evaluator.build(fused, Fidelity.QAT).graph().nodes()).anyMatch(n -> n.opType().equals("QAttention"));
            assertThat(evaluator.evaluate(fused, Fidelity.QAT)).isEqualTo(evaluator.evaluate(fused, Fidelity.FULL_DISTILL));
            try (Stream<Path> folders = Files.list(training)) {
                assertThat(folders.toList()).as("no distillation ran again").hasSize(2);
            }
        }
    }

    /** The last task started and its steps. */
    private static final class StepCount implements ProgressListener {
        String task;
        long total;
        long done;

        @Override
        public void start(String task, long total) {
            this.task = task;
            this.total = total;
            this.done = 0;
        }

        @Override
        public void advance(long steps) {
            done += steps;
        }

        @Override
        public void finish() {}
    }
}
