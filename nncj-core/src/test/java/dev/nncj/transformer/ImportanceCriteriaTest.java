package dev.nncj.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.OptionException;
import dev.nncj.OptionName;
import dev.nncj.ProgressListener;
import dev.nncj.data.TextClassificationDataset;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImportanceCriteriaTest {
    /** Data that fails the test if a criterion reads what it should not need. */
    private static final ImportanceData SEED_ONLY = new ImportanceData() {
        @Override
        public long seed() {
            return 7;
        }

        @Override
        public List<String> sentences() {
            throw new AssertionError("sentences read");
        }

        @Override
        public TextClassificationDataset labelled() {
            throw new AssertionError("labelled data read");
        }

        @Override
        public Path tokenizer() {
            throw new AssertionError("tokenizer read");
        }

        @Override
        public int batchSize() {
            return 1;
        }

        @Override
        public int maxLength() {
            return 2;
        }

        @Override
        public ProgressListener progress() {
            return ProgressListener.NONE;
        }
    };

    @Test
    void criteriaAreFoundByNameAndBuildTheirScorerFromTheDataTheyNeed() {
        ImportanceCriteria core = ImportanceCriteria.of(MagnitudeImportance.CRITERION, ActivationImportance.CRITERION,
                RandomImportance.CRITERION);
        assertThat(core.names()).containsExactly("magnitude", "activation", "random");
        assertThat(core.named("magnitude").scorer(SEED_ONLY)).isInstanceOf(MagnitudeImportance.class);
        assertThat(core.named("random").scorer(SEED_ONLY)).isEqualTo(new RandomImportance(7));
        for (ImportanceCriterion c : List.of(MagnitudeImportance.CRITERION, RandomImportance.CRITERION)) {
            assertThat(c.scorer(SEED_ONLY).name()).as("a criterion and its scorer share their name").isEqualTo(c.name());
        }
        assertThatThrownBy(() -> core.named("activation").scorer(SEED_ONLY)).hasMessage("sentences read");
    }

    @Test
    void anUnknownNameListsTheCriteriaInTheirOrderAndTwoOfOneNameAreRefused() {
        ImportanceCriterion mine = new ImportanceCriterion("mine", "a test's", data -> new MagnitudeImportance());
        ImportanceCriteria offered = ImportanceCriteria.of(RandomImportance.CRITERION, mine);
        assertThatThrownBy(() -> offered.named("magnitude")).isInstanceOf(OptionException.class)
                .hasMessage("importance must be random or mine, not 'magnitude'")
                .satisfies(e -> assertThat(((OptionException) e).option()).contains(OptionName.of("importance")));
        assertThatThrownBy(() -> ImportanceCriteria.of(mine, mine)).hasMessageContaining("two importance criteria are named mine");
    }
}
