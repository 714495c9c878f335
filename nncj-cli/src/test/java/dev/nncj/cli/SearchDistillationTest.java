package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.search.Fidelity;
import dev.nncj.train.distill.DistillOptions;
import org.junit.jupiter.api.Test;

class SearchDistillationTest {
    private final SearchDistillation distillation = new SearchDistillation(1000, 3, 0.5);

    @Test
    void inheritedWeightsAreNotTrained() {
        assertThat(distillation.options(Fidelity.INHERITED, 7)).isEmpty();
    }

    @Test
    void aShortDistillationIsOnePassOverItsSentencesWithTheHiddenStates() {
        DistillOptions shortOne = distillation.options(Fidelity.SHORT_DISTILL, 7).orElseThrow();
        assertThat(shortOne.training().epochs()).isEqualTo(1);
        assertThat(shortOne.training().maxTrainExamples()).hasValue(1000);
        assertThat(shortOne.training().seed()).isEqualTo(7);
        assertThat(shortOne.hiddenWeight()).isEqualTo(0.5);
        assertThat(shortOne.layerMap()).as("TinyBERT's uniform map, made for each student").isEmpty();
        assertThat(shortOne.softWeight()).isPositive();
        assertThat(shortOne.hardWeight()).isPositive();
    }

    @Test
    void aFullDistillationTakesEightTimesTheSentencesForItsEpochs() {
        DistillOptions full = distillation.options(Fidelity.FULL_DISTILL, 7).orElseThrow();
        assertThat(full.training().epochs()).isEqualTo(3);
        assertThat(full.training().maxTrainExamples()).hasValue(8000);
        assertThat(full.hiddenWeight()).isEqualTo(0.5);
    }

    @Test
    void theFingerprintNamesWhatChangesTheTraining() {
        assertThat(distillation.describe()).contains("epochs 3").contains("hidden-weight 0.5");
        assertThat(new SearchDistillation(1000, 3, 0).describe()).isNotEqualTo(distillation.describe());
    }

    @Test
    void refusesSettingsThatTrainNothingOrNonsense() {
        assertThatThrownBy(() -> new SearchDistillation(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SearchDistillation(10, 0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SearchDistillation(10, 1, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SearchDistillation(10, 1, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
