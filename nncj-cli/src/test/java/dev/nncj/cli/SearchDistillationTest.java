package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.search.Fidelity;
import dev.nncj.train.distill.DistillOptions;
import org.junit.jupiter.api.Test;

class SearchDistillationTest {
    private final SearchDistillation distillation = new SearchDistillation(1000, 3, 0.5, 0);

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
    void qatReadsTwiceTheShortSentencesWithLabelsAtAFifthOfTheRate() {
        SearchDistillation augmented = new SearchDistillation(1000, 3, 0.5, 4);
        DistillOptions qat = augmented.options(Fidelity.QAT, 7).orElseThrow();
        DistillOptions full = augmented.options(Fidelity.FULL_DISTILL, 7).orElseThrow();
        assertThat(qat.training().maxTrainExamples()).hasValue(2000);
        assertThat(qat.training().epochs()).isEqualTo(1);
        assertThat(qat.training().learningRate()).isEqualTo(full.training().learningRate() / 5, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(augmented.augments(Fidelity.QAT)).as("the training data's own sentences and labels").isFalse();
        assertThat(qat.hardWeight()).isPositive();
        assertThat(qat.hiddenWeight()).isEqualTo(0.5);
    }

    @Test
    void anAugmentedFullDistillationReadsTheRewritingsTooAndNoLabels() {
        SearchDistillation augmented = new SearchDistillation(1000, 3, 0.5, 4);
        DistillOptions full = augmented.options(Fidelity.FULL_DISTILL, 7).orElseThrow();
        assertThat(full.training().maxTrainExamples()).as("8000 sentences and 4 rewritings of each").hasValue(40000);
        assertThat(full.hardWeight()).as("a rewritten sentence may not keep its label").isZero();
        assertThat(full.softWeight()).isPositive();
        DistillOptions shortOne = augmented.options(Fidelity.SHORT_DISTILL, 7).orElseThrow();
        assertThat(shortOne.training().maxTrainExamples()).as("only the full distillation is augmented").hasValue(1000);
        assertThat(shortOne.hardWeight()).isPositive();
        assertThat(augmented.augments(Fidelity.FULL_DISTILL)).isTrue();
        assertThat(augmented.augments(Fidelity.SHORT_DISTILL)).isFalse();
        assertThat(distillation.augments(Fidelity.FULL_DISTILL)).isFalse();
    }

    @Test
    void theFingerprintNamesWhatChangesTheTraining() {
        assertThat(distillation.describe()).as("unchanged without augmentation: older journals still resume")
                .isEqualTo("full-distill epochs 3 hidden-weight 0.5");
        assertThat(new SearchDistillation(1000, 3, 0.5, 2).describe()).endsWith(" augment 2");
        assertThat(distillation.describe()).contains("epochs 3").contains("hidden-weight 0.5");
        assertThat(new SearchDistillation(1000, 3, 0, 0).describe()).isNotEqualTo(distillation.describe());
    }

    @Test
    void refusesSettingsThatTrainNothingOrNonsense() {
        assertThatThrownBy(() -> new SearchDistillation(0, 1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SearchDistillation(10, 0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SearchDistillation(10, 1, Double.NaN, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SearchDistillation(10, 1, -1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SearchDistillation(10, 1, 1, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
