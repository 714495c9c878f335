package dev.nncj.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ArchitectureTest {
    @Test
    void printsAsOneLineThatParsesBackToAnEqualCandidate() {
        Architecture a = new Architecture(List.of(new LayerChoice(0, 12, 1536), new LayerChoice(2, 8, 1024),
                new LayerChoice(5, 6, 512)), NumericForm.STATIC_INT8, TokenTableForm.INT4_BLOCKS);
        assertThat(a).hasToString("layers 0,2,5 heads 12,8,6 ffn 1536,1024,512 int8-static table-int4");
        assertThat(Architecture.parse(a.toString())).isEqualTo(a);
        assertThat(a.shape()).isEqualTo("layers 0,2,5 heads 12,8,6 ffn 1536,1024,512");
    }

    @Test
    void layersOutOfTheTeachersOrderAreRefused() {
        assertThatThrownBy(() -> new Architecture(List.of(new LayerChoice(3, 1, 1), new LayerChoice(1, 1, 1)),
                NumericForm.FP32, TokenTableForm.FP32)).hasMessageContaining("teacher's order");
        assertThatThrownBy(() -> Architecture.parse("layers 0,1 heads 2 ffn 3,4 fp32 table-fp32"))
                .hasMessageContaining("differ in length");
    }
}
