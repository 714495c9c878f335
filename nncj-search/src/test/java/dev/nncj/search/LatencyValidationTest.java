package dev.nncj.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.runtime.BenchmarkOptions;
import dev.nncj.transformer.TinyEncoders;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.ImportanceScores;
import dev.nncj.transformer.MagnitudeImportance;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LatencyValidationTest {
    @TempDir
    Path dir;

    /** Real ONNX Runtime timings of a tiny encoder: each check is a measured interleaved ratio beside the table's. */
    @Test
    void checksDistinctCandidatesAgainstInterleavedMeasurements() {
        OnnxModel tiny = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L), false);
        EncoderSpec teacher = EncoderLifter.lift(tiny, Path.of("tiny.onnx"));
        ImportanceScores scores = new MagnitudeImportance().score(teacher);
        SearchSpace space = new SearchSpace(new int[] {2, 2, 2}, new int[] {16, 16, 16}, 1, 1, 8,
                List.of(NumericForm.FP32), List.of(TokenTableForm.FP32));
        CandidateWriter writer = (encoder, form, table) -> EncoderEmitter.emit(encoder, EmitOptions.defaults());
        BenchmarkOptions options = BenchmarkOptions.defaults().withSeqLen(8).withWarmupRuns(2).withRuns(5);
        Path teacherFile = dir.resolve("teacher.onnx");
        OnnxFiles.save(EncoderEmitter.emit(teacher, EmitOptions.defaults()), teacherFile);
        LatencyTable table = LatencyTable.measure(teacher, scores, space, writer,
                OnnxRuntimeTimer.relativeTo(teacherFile, options), 3, 1, ProgressListener.NONE);

        LatencyValidation.Result result = LatencyValidation.check(table, teacher, scores, space, writer, teacherFile,
                options, 4, 7, ProgressListener.NONE);

        assertThat(result.checks()).hasSize(4);
        assertThat(result.checks()).extracting(c -> c.architecture().toString()).doesNotHaveDuplicates()
                .doesNotContainAnyElementsOf(table.fittedOn());
        for (LatencyValidation.Check c : result.checks()) {
            assertThat(c.measuredRatio()).isPositive();
            assertThat(c.predictedRatio()).isCloseTo(table.predictMillis(c.architecture())
                    / table.predictMillis(space.full(NumericForm.FP32, TokenTableForm.FP32)), within(1e-12));
        }
        double mape = 100 * result.checks().stream().mapToDouble(LatencyValidation.Check::absoluteError).average().orElseThrow();
        assertThat(result.meanAbsolutePercentageError()).isCloseTo(mape, within(1e-9));
        assertThat(result.worst().absoluteError() * 100).isGreaterThanOrEqualTo(mape);
    }
}
