package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.TinyModels;
import dev.nncj.runtime.LatencyStats;
import dev.nncj.train.finetune.TrainingBenchmark;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchTrainCommandTest {
    @TempDir
    Path dir;

    @Test
    void timesTrainingStepsOfAnEncoderWithAHeadAttached() throws Exception {
        Path encoder = dir.resolve("encoder.onnx");
        OnnxFiles.save(TinyModels.tokenEmbedder(40, 0.3f), encoder);

        long start = System.nanoTime();
        CliRun run = CliRun.of("bench", encoder, "--train", "--batch", 4, "--seq-len", 6, "--warmup", 1, "--runs", 3,
                "--json", "-q");
        double elapsedMs = (System.nanoTime() - start) / 1e6;

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("batch").asInt()).isEqualTo(4);
        assertThat(json.get("seq_len").asInt()).isEqualTo(6);
        assertThat(json.get("warmup_steps").asInt()).isEqualTo(1);
        assertThat(json.get("steps").asInt()).isEqualTo(3);
        double p50 = json.get("step_p50_ms").asDouble();
        double p90 = json.get("step_p90_ms").asDouble();
        double mean = json.get("step_mean_ms").asDouble();
        assertThat(p50).isPositive().isLessThanOrEqualTo(p90);
        // three timed steps a <= b <= c: nearest-rank p50 is b and p90 is c, so the mean (a + b + c)/3
        // lies between (b + c)/3 and (2b + c)/3; and they ran inside the command, so 3 * mean < its time
        assertThat(mean).isBetween((p50 + p90) / 3, (2 * p50 + p90) / 3);
        assertThat(3 * mean).isLessThan(elapsedMs);
        assertThat(json.get("samples_per_s").asDouble()).isPositive(); // its arithmetic: the test below
    }

    @Test
    void samplesPerSecondIsTheBatchOverTheMedianStep() {
        // steps of 10, 20 and 60 ms: median 20 ms (mean 30), so a batch of 4 is 4 / 0.020 s = 200 samples/s
        LatencyStats steps = LatencyStats.ofNanos(new long[] {10_000_000, 60_000_000, 20_000_000});
        assertThat(new TrainingBenchmark.Result(4, 6, 1, steps).samplesPerSecond())
                .isCloseTo(200, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void trainAndCompareTogetherIsAUserError() throws Exception {
        Path encoder = dir.resolve("encoder.onnx");
        OnnxFiles.save(TinyModels.tokenEmbedder(40, 0.3f), encoder);
        CliRun run = CliRun.of("bench", encoder, "--train", "--compare", encoder, "-q");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--train times one model");
        CliRun profile = CliRun.of("bench", encoder, "--train", "--profile", "-q");
        assertThat(profile.exitCode()).isEqualTo(2);
        assertThat(profile.err()).contains("--profile reads ONNX Runtime's profiler");
    }
}
