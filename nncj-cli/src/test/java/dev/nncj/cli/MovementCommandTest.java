package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.provenance.Provenance;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `nncj movement` on a tiny 2-layer classifier (hidden 8, 2 heads, FFN 16: 1024 encoder weights)
 * with the cats-and-dogs data: 32 rows in batches of 8 for 2 epochs, 8 steps.
 */
class MovementCommandTest {
    @TempDir
    Path dir;

    Path classifier;
    Path train;
    Path out;

    @BeforeEach
    void models() throws IOException {
        classifier = dir.resolve("clf/model.onnx");
        Files.createDirectories(classifier.getParent());
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        dev.nncj.train.finetune.ClassifierHead.attach(model, "last_hidden_state", 2, 7);
        OnnxFiles.save(model, classifier);
        TinyTokenizer.write(classifier.getParent());
        train = FactorizeCommandTest.catsAndDogs(dir.resolve("train.tsv"), 32);
        out = dir.resolve("out/model.onnx");
        Files.createDirectories(out.getParent());
    }

    private CliRun run(Path output, Object... options) {
        List<Object> args = new ArrayList<>(List.of("movement", classifier, "-o", output, "--data", train, "--epochs", 2,
                "--batch-size", 8, "--lr", "0.001", "--max-length", 16, "--bench-runs", 2, "--seq-len", 8, "-q"));
        args.addAll(List.of(options));
        return CliRun.of(args.toArray());
    }

    @Test
    void helpSaysWhatItDoes() {
        CliRun run = CliRun.of("movement", "--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Movement pruning (Sanh et al. 2020)", "--remaining", "--block", "--score-lr",
                "--sparsity-warmup", "--sparsity-cooldown", "--recover-eval", "--eval-data");
    }

    /** Neuron blocks: half the FFN's 512 weights kept, the pruned neurons gone from the file, accuracy by ORT. */
    @Test
    void neuronBlocksAreRemovedAndReportedAsJson() throws IOException {
        CliRun run = run(out, "--remaining", "0.5", "--block", "neuron", "--eval-data", train, "--eval-task",
                "text-classification", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        assertThat(json.get("block").asText()).isEqualTo("neuron");
        assertThat(json.get("encoder_weights").asLong()).isEqualTo(1024);
        assertThat(json.get("scored_weights").asLong()).isEqualTo(512);
        assertThat(json.get("encoder_weights_remaining").asLong()).isEqualTo(512 + 256);
        assertThat(json.get("remaining_fraction").asDouble()).isEqualTo(0.75);
        assertThat(json.get("removed_neurons").asInt()).isBetween(15, 16); // 16, or 15 when a layer keeps a zeroed one
        assertThat(json.get("parameters_after").asLong()).isLessThan(json.get("parameters_before").asLong());
        assertThat(json.get("training").get("steps").asInt()).isEqualTo(8);
        assertThat(json.get("training").get("seconds_per_step").asDouble()).isPositive();
        assertThat(json.get("size_ratio").asDouble()).isLessThan(1);
        assertThat(json.get("metric_after").get("metric").asText()).isEqualTo("accuracy");
        assertThat(OnnxFiles.load(out).graph().parameterCount()).isEqualTo(json.get("parameters_after").asLong());
        assertThat(OnnxFiles.load(out).metadata().get(Provenance.STEPS)).contains("\"step\":\"movement\"", "\"block\":\"neuron\"");
        assertThat(Files.exists(out.resolveSibling("tokenizer.json"))).isTrue();
    }

    /** Unstructured into a container: the text report names the remaining fraction and how to unpack. */
    @Test
    void unstructuredIntoAContainer() {
        Path packed = dir.resolve("out/model.nncj");
        CliRun run = run(packed, "--remaining", "0.2");
        assertThat(run.exitCode()).as(run.err()).isZero();
        // round(0.2 * 1024) = 205 weights stay
        assertThat(run.out()).contains("movement pruning (block none, global): encoder weights 1,024 -> 205 remaining (0.2002",
                "trained 8 steps", "nncj unpack", "size", "p50");
        assertThat(Files.exists(packed)).isTrue();
    }

    @Test
    void badOptionsAreUsageErrorsOfOneLine() {
        assertUsage(List.of("--remaining", "0"), "nncj: --remaining must lie in (0, 1], got 0.0");
        assertUsage(List.of("--remaining", "1.5"), "nncj: --remaining must lie in (0, 1], got 1.5");
        assertUsage(List.of("--remaining", "0.5", "--block", "rows"),
                "nncj: --block must be one of none, neuron, head, head-neuron, not 'rows'");
        assertUsage(List.of("--remaining", "0.5", "--scope", "local"), "nncj: --scope must be global or per-layer, not 'local'");
        assertUsage(List.of("--remaining", "0.5", "--score-lr", "0"), "nncj: --score-lr must be positive, got 0.0");
        assertUsage(List.of("--remaining", "0.5", "--sparsity-warmup", "0.6", "--sparsity-cooldown", "0.6"),
                "nncj: --sparsity-warmup and --sparsity-cooldown must be >= 0 with a sum <= 1, got 0.6 and 0.6");
        assertUsage(List.of("--remaining", "0.5", "--epochs", "0"),
                "nncj: epochs, batch size and eval interval must be >= 1 and max length >= 2; got 0, 8, 200, 16");
    }

    @Test
    void missingDataIsOneLineAndNothingIsWritten() {
        CliRun run = CliRun.of("movement", classifier, "-o", out, "--remaining", "0.5", "--data", dir.resolve("none.tsv"), "-q");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).isEqualTo("nncj: " + dir.resolve("none.tsv") + ": does not exist");
        assertThat(Files.exists(out)).isFalse();
    }

    private void assertUsage(List<String> options, String line) {
        List<Object> args = new ArrayList<>(List.of("movement", classifier, "-o", out, "--data", train, "--batch-size", 8,
                "--max-length", 16, "-q"));
        args.addAll(options);
        CliRun run = CliRun.of(args.toArray());
        assertThat(run.exitCode()).as(options.toString()).isEqualTo(2);
        assertThat(run.errorLine()).isEqualTo(line);
        assertThat(Files.exists(out)).as(options.toString()).isFalse();
    }
}
