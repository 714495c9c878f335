package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.TinyModels;
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

        CliRun run = CliRun.of("bench", encoder, "--train", "--batch", 4, "--seq-len", 6, "--warmup", 1, "--runs", 3,
                "--json", "-q");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("steps").asInt()).isEqualTo(3);
        double p50 = json.get("step_p50_ms").asDouble();
        assertThat(p50).isPositive();
        assertThat(json.get("samples_per_s").asDouble()).isCloseTo(4 / (p50 / 1000), org.assertj.core.data.Offset.offset(1e-6));
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
