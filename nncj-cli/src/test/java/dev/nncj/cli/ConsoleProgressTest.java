package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConsoleProgressTest {
    private static final long MINUTE = 60_000_000_000L;

    @Test
    void aLogLineSaysHowFarHowLongAndHowLongToGo() {
        assertThat(ConsoleProgress.logLine("fine-tuning", 400, 0, 1894, 53 * MINUTE, "loss 0.3120"))
                .isEqualTo("fine-tuning: 400/1894 (21%), 53:00 elapsed, about 3:17:57 left, loss 0.3120");
        assertThat(ConsoleProgress.logLine("calibrating", 3, 0, 0, MINUTE / 2, "")).isEqualTo("calibrating: 3, 0:30 elapsed");
        assertThat(ConsoleProgress.logLine("steps", 10, 0, 10, MINUTE, "")).isEqualTo("steps: 10/10 (100%), 1:00 elapsed");
    }

    @Test
    void aResumedRunEstimatesTheTimeLeftFromItsOwnPaceNotFromStepsAnEarlierRunDid() {
        // 1,600 steps were done before; this run did 60 in a minute, so 235 steps take about 3:55
        assertThat(ConsoleProgress.logLine("fine-tuning", 1660, 1600, 1895, MINUTE, ""))
                .isEqualTo("fine-tuning: 1660/1895 (87%), 1:00 elapsed, about 3:55 left");
        // nothing done yet in this run: no estimate rather than "0:00 left"
        assertThat(ConsoleProgress.logLine("fine-tuning", 1600, 1600, 1895, MINUTE, ""))
                .isEqualTo("fine-tuning: 1600/1895 (84%), 1:00 elapsed");
    }
}
