package dev.nncj.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class MnasNetRewardTest {
    @Test
    void atTheTargetTheRewardIsTheAccuracyAndTwiceAsSlowCostsFivePercent() {
        MnasNetReward reward = new MnasNetReward(0.25, MnasNetReward.DEFAULT_EXPONENT);
        assertThat(reward.of(new Objectives(0.88, 0.25, 0.1))).isCloseTo(0.88, within(1e-12));
        assertThat(reward.of(new Objectives(0.88, 0.5, 0.1))).isCloseTo(0.88 * Math.pow(2, -0.07), within(1e-12));
        assertThat(Math.pow(2, -0.07)).isCloseTo(1 / 1.05, within(0.002));
    }

    @Test
    void picksTheCandidateWhoseAccuracyPaysForItsLatency() {
        Scored fast = new Scored(Architecture.parse("layers 0 heads 2 ffn 128 fp32 table-fp32"), new Objectives(0.85, 0.125, 0.1));
        Scored slow = new Scored(Architecture.parse("layers 0,1 heads 2,2 ffn 128,128 fp32 table-fp32"),
                new Objectives(0.87, 0.25, 0.1));
        // 0.87 / 0.85 = 1.0235 < 2^0.07 = 1.0497: the extra accuracy does not pay for twice the latency
        assertThat(new MnasNetReward(0.25, MnasNetReward.DEFAULT_EXPONENT).best(List.of(slow, fast))).contains(fast);
        assertThat(new MnasNetReward(0.25, -0.01).best(List.of(slow, fast))).contains(slow);
    }
}
