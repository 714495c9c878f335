package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.transformer.ExportStyleEncoders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** inspect, prune and share on tiny encoders in transformers 5.x's exported forms (legacy opset 14, dynamo opset 18). */
class TodayExportsCommandTest {
    @TempDir
    Path dir;

    private Path save(ExportStyleEncoders.Form form) throws IOException {
        Path file = dir.resolve("in/model.onnx");
        Files.createDirectories(file.getParent());
        OnnxFiles.save(ExportStyleEncoders.build(form), file);
        TinyTokenizer.write(file.getParent());
        return file;
    }

    @Test
    void inspectNamesTheFormsItRead() throws IOException {
        Path model = save(ExportStyleEncoders.LEGACY);
        CliRun run = CliRun.of("inspect", model);
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("  read as     head split: inferred head count [B, S, -1, head size]\n",
                "  read as     mask: boolean mask Where(mask, 0, c) added to the scores\n");

        JsonNode json = new ObjectMapper().readTree(CliRun.of("inspect", save(ExportStyleEncoders.DYNAMO), "--json").out());
        assertThat(json.get("encoder_layers").get("read_as").get("softmax").toString())
                .isEqualTo("[\"Softmax op\",\"NaN guard Where(IsNaN(p), 0, p)\"]");
    }

    @Test
    void pruneAndShareRunOnTheDynamoExport() throws IOException {
        Path model = save(ExportStyleEncoders.DYNAMO);
        Path pruned = dir.resolve("pruned.onnx");
        CliRun prune = CliRun.of("prune", model, "-o", pruned, "--heads", "0.5", "--ffn", "0.5", "--bench-runs", 3,
                "--seq-len", 8, "-q");
        assertThat(prune.exitCode()).as(prune.err()).isZero();
        // per layer: one head of Q, K, V (3 * (8 * 4 + 4)) and O's rows (4 * 8), 8 neurons (8 * 8 + 8 + 8 * 8)
        long removed = 2 * (3 * 36 + 32 + 136);
        assertThat(OnnxFiles.load(model).graph().parameterCount() - OnnxFiles.load(pruned).graph().parameterCount())
                .isEqualTo(removed);

        CliRun share = CliRun.of("share", model, "--cross-layer", "-o", dir.resolve("shared.onnx"), "--bench-runs", 3,
                "--seq-len", 8, "-q");
        assertThat(share.exitCode()).as(share.err()).isZero();
    }
}
