package dev.nncj.train.distill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.onnx.OnnxModel;
import dev.nncj.transformer.EncoderRuns;
import dev.nncj.transformer.ExportStyleEncoders;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** distill --student-layers derives its student from today's exports (inferred head count, dynamo SDPA). */
class ExportStyleStudentTest {
    @TempDir
    Path dir;

    static List<ExportStyleEncoders.Form> forms() {
        return List.of(ExportStyleEncoders.LEGACY, ExportStyleEncoders.DYNAMO);
    }

    @ParameterizedTest
    @MethodSource("forms")
    void theStudentOfTheLastLayerIsTheEncoderBuiltFromThatLayer(ExportStyleEncoders.Form form) throws Exception {
        OnnxModel teacher = ExportStyleEncoders.build(form, List.of(1L, 2L));
        StudentDerivation.DerivedStudent s = StudentDerivation.derive(teacher, dir.resolve("teacher.onnx"),
                StudentShape.layers(List.of(1)));
        OnnxModel reference = ExportStyleEncoders.build(form, List.of(2L));

        assertThat(s.layerMap()).containsExactly(java.util.Map.entry(0, 1));
        assertThat(s.studentParameters()).isEqualTo(reference.graph().parameterCount());
        assertThat(s.model().graph().parameterCount()).isEqualTo(reference.graph().parameterCount());
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(s.model(), dir), EncoderRuns.hidden(reference, dir))).isLessThan(1e-5);
    }

    @ParameterizedTest
    @MethodSource("forms")
    void aStudentWithOneHeadAndHalfTheFfnHasTheCountedParameters(ExportStyleEncoders.Form form) {
        OnnxModel teacher = ExportStyleEncoders.build(form, List.of(1L, 2L));
        StudentDerivation.DerivedStudent s = StudentDerivation.derive(teacher, dir.resolve("teacher.onnx"),
                new StudentShape(List.of(0, 1), OptionalInt.of(1), OptionalInt.of(8)));
        // hidden 8; per layer Q, K, V 8 -> 4, O 4 -> 8, FFN 8 -> 8 -> 8, two LayerNorms; the rest unchanged
        long layer = 3 * (8 * 4 + 4) + (4 * 8 + 8) + (8 * 8 + 8) + (8 * 8 + 8) + 2 * 2 * 8;
        long fullLayer = 3 * (8 * 8 + 8) + (8 * 8 + 8) + (8 * 16 + 16) + (16 * 8 + 8) + 2 * 2 * 8;
        assertThat(s.studentParameters()).isEqualTo(teacher.graph().parameterCount() - 2 * (fullLayer - layer));
        assertThat(s.model().graph().parameterCount()).isEqualTo(s.studentParameters());
    }
}
