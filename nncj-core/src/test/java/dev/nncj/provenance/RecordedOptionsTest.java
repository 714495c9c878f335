package dev.nncj.provenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.onnx.NodeFilter;
import dev.nncj.quantize.QuantizationMode;
import dev.nncj.transformer.HeadPlan;
import dev.nncj.transformer.MagnitudeImportance;
import dev.nncj.transformer.StructuredPruneOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class RecordedOptionsTest {
    record Example(QuantizationMode mode, int blockSize, Optional<Path> calibrationData, OptionalInt embeddingRank,
            NodeFilter nodes, List<String> sentences) {}

    @Test
    void aRecordBecomesItsComponentsInSnakeCaseWithValuesJsonKeeps() {
        Example e = new Example(QuantizationMode.INT4_WEIGHT, 32, Optional.of(Path.of("cal.tsv")), OptionalInt.empty(),
                new NodeFilter(List.of("MatMul"), List.of()), List.of("a sentence"));
        Map<String, Object> m = RecordedOptions.of(e, "sentences");
        assertThat(m.keySet()).containsExactly("mode", "block_size", "calibration_data", "embedding_rank", "nodes");
        assertThat(m).containsEntry("mode", "int4-weight").containsEntry("block_size", 32)
                .containsEntry("calibration_data", "cal.tsv").containsEntry("embedding_rank", null)
                .containsEntry("nodes", Map.of("include", List.of("MatMul"), "exclude", List.of()));
    }

    @Test
    void aRecordableIsWrittenAsItSaysAndAnUnknownTypeIsRefused() {
        StructuredPruneOptions o = new StructuredPruneOptions(Optional.of(List.of(0, 2)), new HeadPlan.Fraction(0.5), 0.25,
                new MagnitudeImportance());
        assertThat(RecordedOptions.of(o)).containsEntry("importance", "magnitude").containsEntry("keep_layers", List.of(0, 2))
                .containsEntry("heads", Map.of("removed", 0.5)).containsEntry("ffn_removed", 0.25);
        assertThatThrownBy(() -> RecordedOptions.value(new Object())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no provenance form for a java.lang.Object");
    }
}
