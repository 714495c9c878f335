package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.TinyModels;
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

/** `nncj share --cross-layer` on TinyEncoders' 4-layer encoder (hidden 8, FFN 16) built in the test. */
class ShareCrossLayerCommandTest {
    @TempDir
    Path dir;

    Path encoder;
    Path out;

    @BeforeEach
    void models() throws IOException {
        encoder = dir.resolve("in/model.onnx");
        Files.createDirectories(encoder.getParent());
        OnnxFiles.save(TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L, 4L), false), encoder);
        TinyTokenizer.write(encoder.getParent());
        out = dir.resolve("out/model.onnx");
        Files.createDirectories(out.getParent());
    }

    @Test
    void sharesLayersInGroupsAndInspectCountsEachSharedWeightOnce() throws IOException {
        Path data = Files.writeString(dir.resolve("s.txt"), "the cat sat on the mat.\na dog\ncats on a mat\n");
        CliRun run = CliRun.of("share", encoder, "--cross-layer", "--groups", 2, "--init", "first", "-o", out,
                "--eval-data", data, "--bench-runs", 3, "--seq-len", 8, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        assertThat(json.get("groups").toString()).isEqualTo("[[0,1],[2,3]]");
        long before = json.get("layer_parameters_before").asLong();
        assertThat(json.get("layer_parameters_after").asLong()).isEqualTo(before / 2);
        OnnxModel shared = OnnxFiles.load(out);
        assertThat(shared.metadata().get(Provenance.STEPS)).contains("\"step\":\"share\"", "\"groups\":2");
        JsonNode inspectBefore = Json.mapper().readTree(CliRun.of("inspect", encoder, "--json").out());
        JsonNode inspectAfter = Json.mapper().readTree(CliRun.of("inspect", out, "--json").out());
        assertThat(inspectBefore.get("parameters").asLong() - inspectAfter.get("parameters").asLong()).isEqualTo(before / 2);
        assertThat(inspectAfter.get("encoder_layers").get("layers")).hasSize(4);
        assertThat(json.get("metric_after").get("metric").asText()).isEqualTo("mean_cosine");
    }

    @Test
    void textOutputNamesTheGroupsAndTheParameterCounts() {
        CliRun run = CliRun.of("share", encoder, "--cross-layer", "-o", out, "--bench-runs", 2, "--seq-len", 8, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("4 layers in 1 shared group(s) [[0, 1, 2, 3]], from mean", "(0.250x)", "size", "p50");
    }

    @Test
    void aClassifierKeepsItsHeadAndRunsInOnnxRuntime() throws IOException {
        Path clf = dir.resolve("clf/model.onnx");
        Files.createDirectories(clf.getParent());
        OnnxModel classifier = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L, 4L), false);
        dev.nncj.train.finetune.ClassifierHead.attach(classifier, "last_hidden_state", 2, 7);
        OnnxFiles.save(classifier, clf);
        TinyTokenizer.write(clf.getParent());
        Path data = Files.writeString(dir.resolve("d.tsv"), "sentence\tlabel\nthe cat sat\t1\na dog\t0\ncats on a mat\t1\n");
        CliRun run = CliRun.of("share", clf, "--cross-layer", "--groups", 2, "-o", out, "--eval-data", data,
                "--eval-task", "text-classification", "--bench-runs", 2, "--seq-len", 8, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        assertThat(json.get("metric_after").get("metric").asText()).isEqualTo("accuracy");
        assertThat(OnnxFiles.load(out).graph().outputs()).extracting(o -> o.getName()).containsExactly("logits");
        // the head (mean pooling and an 8 x 2 linear layer) is carried over untouched: only layer parameters go
        assertThat(json.get("parameters_before").asLong() - json.get("parameters_after").asLong())
                .isEqualTo(json.get("layer_parameters_before").asLong() - json.get("layer_parameters_after").asLong());
    }

    @Test
    void recoveryTrainsTheSharedClassifierAndKeepsItsWeightsTied() throws IOException {
        Path clf = dir.resolve("clf/model.onnx");
        Files.createDirectories(clf.getParent());
        OnnxModel classifier = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L, 4L), false);
        dev.nncj.train.finetune.ClassifierHead.attach(classifier, "last_hidden_state", 2, 7);
        OnnxFiles.save(classifier, clf);
        TinyTokenizer.write(clf.getParent());
        Path train = FactorizeCommandTest.catsAndDogs(dir.resolve("train.tsv"), 32);
        Path plain = dir.resolve("plain/model.onnx");
        assertThat(CliRun.of("share", clf, "--cross-layer", "--groups", 2, "-o", plain, "--bench-runs", 2, "--seq-len", 8, "-q")
                .exitCode()).isZero();
        CliRun run = CliRun.of("share", clf, "--cross-layer", "--groups", 2, "-o", out, "--recover", "--data", train,
                "--hidden-weight", 1, "--epochs", 2, "--batch-size", 8, "--lr", "0.01", "--bench-runs", 2, "--seq-len", 8, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Json.mapper().readTree(run.out()).get("recovery").get("steps").asInt()).isEqualTo(8);
        assertThat(OnnxFiles.load(out).metadata().get(dev.nncj.provenance.Provenance.STEPS)).contains("\"hidden_weight\":1.0");
        OnnxModel recovered = OnnxFiles.load(out);
        OnnxModel untrained = OnnxFiles.load(plain);
        // still one initializer per shared weight, read by both layers of its group, and trained
        assertThat(recovered.graph().initializers().keySet()).isEqualTo(untrained.graph().initializers().keySet());
        assertThat(recovered.graph().parameterCount()).isEqualTo(untrained.graph().parameterCount());
        String query = "layer.0.attention.query.weight";
        assertThat(recovered.graph().consumers(query)).hasSize(2);
        assertThat(recovered.graph().initializer(query).orElseThrow().toFloats())
                .isNotEqualTo(untrained.graph().initializer(query).orElseThrow().toFloats());
    }

    @Test
    void badOptionsAreUsageErrorsOfOneLineAndNothingIsWritten() {
        assertUsage(List.of("--groups", "3"), "nncj: --groups 3 does not divide the encoder's 4 layers into equal contiguous groups");
        assertUsage(List.of("--groups", "5"), "nncj: --groups 5 is more groups than the encoder's 4 layers");
        assertUsage(List.of("--groups", "0"), "nncj: --groups must be at least 1, got 0");
        assertUsage(List.of("--init", "last"), "nncj: --init must be mean, first or layer:N (N counted within each group), not 'last'");
        assertUsage(List.of("--groups", "2", "--init", "layer:2"),
                "nncj: --init layer:2 is outside the groups of 2 layers (layer:0 to layer:1)");
    }

    @Test
    void aModelThatIsNotAnEncoderIsOneLine() throws IOException {
        Path mlp = dir.resolve("mlp.onnx");
        OnnxFiles.save(TinyModels.linearRelu(), mlp);
        CliRun run = CliRun.of("share", mlp, "--cross-layer", "-o", out, "-q");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).startsWith("nncj: " + mlp + ": not a transformer encoder NNCJ can lift");
        assertThat(Files.exists(out)).isFalse();
    }

    private void assertUsage(List<String> options, String line) {
        List<Object> args = new ArrayList<>(List.of("share", encoder, "--cross-layer", "-o", out, "-q"));
        args.addAll(options);
        CliRun run = CliRun.of(args.toArray());
        assertThat(run.exitCode()).as(options.toString()).isEqualTo(2);
        assertThat(run.errorLine()).isEqualTo(line);
        assertThat(Files.exists(out)).as(options.toString()).isFalse();
    }
}
