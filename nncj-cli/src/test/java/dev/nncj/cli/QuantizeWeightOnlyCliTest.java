package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nncj quantize} with the weight-only modes, in-process on a tiny token embedder. */
class QuantizeWeightOnlyCliTest {
    @TempDir
    Path dir;

    @Test
    void int4WeightWritesAModelThatOnnxRuntimeBenchmarksAndReportsJson() throws IOException {
        Path in = dir.resolve("emb.onnx");
        OnnxFiles.save(TinyModels.tokenEmbedder(4000, 0.1f), in); // 64 kB of float32 table
        Path out = dir.resolve("q/emb.onnx");
        CliRun run = CliRun.of("quantize", in, "-o", out, "--mode", "int4-weight", "--block-size", 16,
                "--bench-runs", 3, "--seq-len", 8, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        assertThat(json.get("mode").asText()).isEqualTo("int4-weight");
        assertThat(json.get("quantized_nodes").asInt()).isEqualTo(1);
        assertThat(json.get("size_ratio").asDouble()).isLessThan(1.0);
        assertThat(json.get("p50_ms_after").asDouble()).isPositive();
        OnnxModel written = OnnxFiles.load(out);
        assertThat(written.graph().initializers().values()).anyMatch(t -> t.type() == dev.nncj.onnx.DataType.UINT8
                && t.name().endsWith("_Q4")); // the table's 4-bit codes
        assertThat(written.metadata().get("nncj.steps")).contains("\"block_size\":16");
    }

    @Test
    void aBlockSizeTheOpsCannotTakeIsOneLineAndWritesNothing() throws IOException {
        Path in = dir.resolve("emb.onnx");
        OnnxFiles.save(TinyModels.tokenEmbedder(64, 0.1f), in);
        Path out = dir.resolve("bad.onnx");
        CliRun run = CliRun.of("quantize", in, "-o", out, "--mode", "int8-weight", "--block-size", 33, "-q");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).isEqualTo("nncj: --block-size 33: must be a power of 2 from 16 to 256");
        assertThat(Files.exists(out)).isFalse();
    }
}
