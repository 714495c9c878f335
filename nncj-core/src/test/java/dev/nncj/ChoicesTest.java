package dev.nncj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.quantize.QuantizationMode;
import dev.nncj.sparsity.PruningCriterion;
import org.junit.jupiter.api.Test;

class ChoicesTest {
    @Test
    void spellingsRoundTripAndAWrongOneListsThemAll() {
        for (QuantizationMode m : QuantizationMode.values()) {
            assertThat(QuantizationMode.parse(m.cliName())).isEqualTo(m);
        }
        assertThat(QuantizationMode.INT4_WEIGHT.cliName()).isEqualTo("int4-weight");
        assertThatThrownBy(() -> QuantizationMode.parse("int2")).isInstanceOf(OptionException.class).hasMessage(
                "mode must be dynamic-int8, static-int8, int8-weight, int4-weight, fp16 or fp8, not 'int2'");
        assertThatThrownBy(() -> PruningCriterion.parse("Activation"))
                .hasMessage("criterion must be magnitude or activation, not 'Activation'");
    }

    @Test
    void aWrongChoiceNamesItsOptionSoAFrontEndCanSpellIt() {
        OptionException e = org.junit.jupiter.api.Assertions.assertThrows(OptionException.class,
                () -> PruningCriterion.parse("size"));
        assertThat(e.option()).contains(OptionName.of("criterion"));
        assertThat(e.message(o -> "--" + o.name())).isEqualTo("--criterion must be magnitude or activation, not 'size'");
    }
}
