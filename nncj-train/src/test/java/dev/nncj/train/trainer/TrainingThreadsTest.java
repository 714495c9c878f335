package dev.nncj.train.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TrainingThreadsTest {
    @Test
    void aProcessTrainsOnTheThreadsItAsksForAndZeroLeavesTheCountAlone() {
        int before = TrainingThreads.current();
        try {
            TrainingThreads.use(1);
            assertThat(TrainingThreads.current()).isEqualTo(1);
            TrainingThreads.use(0);
            assertThat(TrainingThreads.current()).isEqualTo(1);
            assertThatThrownBy(() -> TrainingThreads.use(-1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-1");
        } finally {
            TrainingThreads.use(before);
        }
    }
}
