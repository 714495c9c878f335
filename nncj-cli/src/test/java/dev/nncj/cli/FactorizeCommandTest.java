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

/** `nncj factorize` on TinyEncoders' 2-layer encoder (hidden 8, FFN 16) built in the test. */
class FactorizeCommandTest {
    @TempDir
    Path dir;

    Path encoder;
    Path out;

    @BeforeEach
    void models() throws IOException {
        encoder = dir.resolve("in/model.onnx");
        Files.createDirectories(encoder.getParent());
        OnnxFiles.save(TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false), encoder);
        TinyTokenizer.write(encoder.getParent());
        out = dir.resolve("out/model.onnx");
        Files.createDirectories(out.getParent());
    }

    @Test
    void factorizesReportsTheWeightsAndMeasuresBothModels() throws IOException {
        Path data = Files.writeString(dir.resolve("s.txt"), "the cat sat on the mat.\na dog\ncats on a mat\n");
        CliRun run = CliRun.of("factorize", encoder, "-o", out, "--rank-ratio", "0.25", "--embedding-rank", "2",
                "--eval-data", data, "--bench-runs", 3, "--seq-len", 8, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        OnnxModel before = OnnxFiles.load(encoder);
        OnnxModel after = OnnxFiles.load(out);
        // 12 weights at rank 2 save 2 x (4 x 32 + 2 x 80) = 576; the 14 x 8 table 112 - 44 = 68
        assertThat(before.graph().parameterCount() - after.graph().parameterCount()).isEqualTo(576 + 68);
        assertThat(json.get("parameters_before").asLong() - json.get("parameters_after").asLong()).isEqualTo(576 + 68);
        assertThat(json.get("factorized")).hasSize(13);
        assertThat(json.get("skipped")).isEmpty();
        assertThat(json.get("size_ratio").asDouble()).isLessThan(1);
        assertThat(json.get("metric_after").get("metric").asText()).isEqualTo("mean_cosine");
        assertThat(after.metadata().get(Provenance.STEPS)).contains("\"step\":\"factorize\"", "\"rank_ratio\":0.25");
        assertThat(Files.exists(out.resolveSibling("tokenizer.json"))).isTrue();
    }

    @Test
    void textOutputListsSkippedWeightsWithTheReason() {
        CliRun run = CliRun.of("factorize", encoder, "-o", out, "--rank", "MatMul=5", "--bench-runs", 2, "--seq-len", 8, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("4 weight(s) factorized, 8 skipped",
                "no saving at rank 5 of 8: 5 x (8 + 8) = 80 >= 8 x 8 = 64 parameters", "size", "p50");
    }

    @Test
    void aModelWithoutMatMulWeightsIsOneLineAndNothingIsWritten() throws IOException {
        Path embedder = dir.resolve("emb.onnx");
        OnnxFiles.save(TinyModels.tokenEmbedder(14, 0), embedder);
        CliRun run = CliRun.of("factorize", embedder, "-o", out, "--rank-ratio", "0.5", "-q");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).isEqualTo("nncj: " + embedder + ": has no MatMul or Gemm with a constant weight to factorize");
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void badOptionsAreUsageErrorsOfOneLine() {
        assertUsage(List.of("--rank-ratio", "0"), "nncj: rank ratio must be in (0, 1], got 0.0");
        assertUsage(List.of("--rank-ratio", "1.5"), "nncj: rank ratio must be in (0, 1], got 1.5");
        assertUsage(List.of("--energy", "-1"), "nncj: energy must be in (0, 1], got -1.0");
        assertUsage(List.of("--rank-ratio", "0.5", "--energy", "0.9"),
                "nncj: give at most one of --rank-ratio R and --energy E (use --rank PATTERN=R for per-layer ranks)");
        assertUsage(List.of(), "nncj: nothing to factorize: give --rank-ratio R, --energy E, --rank PATTERN=R or --embedding-rank E");
        assertUsage(List.of("--rank", "MatMul"), "nncj: --rank must be PATTERN=R (e.g. '.*intermediate.*=0.25' or 'MatMul=64'), not 'MatMul'");
        assertUsage(List.of("--rank", "(=3"), "nncj: --rank '(' is not a valid regular expression: Unclosed group");
        assertUsage(List.of("--embedding-rank", "0"), "nncj: --embedding-rank must be at least 1, got 0");
    }

    @Test
    void recoverDistillsTheFactorizedClassifierFromTheOriginal() throws IOException {
        Path clf = dir.resolve("clf/model.onnx");
        Files.createDirectories(clf.getParent());
        OnnxModel classifier = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        dev.nncj.train.finetune.ClassifierHead.attach(classifier, "last_hidden_state", 2, 7);
        OnnxFiles.save(classifier, clf);
        TinyTokenizer.write(clf.getParent());
        Path train = catsAndDogs(dir.resolve("train.tsv"), 32);
        Path plain = dir.resolve("plain/model.onnx");
        assertThat(CliRun.of("factorize", clf, "-o", plain, "--rank-ratio", "0.25", "--exclude", "Gemm",
                "--bench-runs", 2, "--seq-len", 8, "-q").exitCode()).isZero();
        CliRun run = CliRun.of("factorize", clf, "-o", out, "--rank-ratio", "0.25", "--exclude", "Gemm", "--recover",
                "--data", train, "--epochs", 2, "--batch-size", 8, "--lr", "0.01", "--eval-data", train,
                "--eval-task", "text-classification", "--bench-runs", 2, "--seq-len", 8, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        assertThat(json.get("recovery").get("steps").asInt()).isEqualTo(2 * 32 / 8);
        assertThat(json.get("metric_after").get("metric").asText()).isEqualTo("accuracy");
        OnnxModel recovered = OnnxFiles.load(out);
        OnnxModel untrained = OnnxFiles.load(plain);
        // same graph, trained factors: the recovery changed the weights, not the structure
        assertThat(recovered.graph().initializers().keySet()).isEqualTo(untrained.graph().initializers().keySet());
        String factor = recovered.graph().initializers().keySet().stream().filter(n -> n.contains("lowrank")).findFirst().orElseThrow();
        assertThat(recovered.graph().initializer(factor).orElseThrow().toFloats())
                .isNotEqualTo(untrained.graph().initializer(factor).orElseThrow().toFloats());
        assertThat(recovered.metadata().get(Provenance.STEPS)).contains("\"step\":\"factorize\"", "\"step\":\"distill\"");
        // an exported graph factorized in place has no layer outputs the hidden-state term can find, and cannot be lifted
        CliRun hidden = CliRun.of("factorize", clf, "-o", dir.resolve("hidden.onnx"), "--rank-ratio", "0.25", "--exclude", "Gemm",
                "--recover", "--data", train, "--hidden-weight", 1, "--bench-runs", 2, "--seq-len", 8, "-q");
        assertThat(hidden.exitCode()).isEqualTo(1);
        assertThat(hidden.errorLine()).startsWith("nncj: " + clf + ": the student's layer outputs, which the hidden-state and"
                + " attention terms read, cannot be found");
        assertThat(dir.resolve("hidden.onnx")).doesNotExist();
    }

    @Test
    void recoveryOptionsAreCheckedBeforeAnyWork() {
        assertUsage(List.of("--rank-ratio", "0.5", "--recover"), "nncj: --recover needs --data TRAIN.tsv");
        assertUsage(List.of("--rank-ratio", "0.5", "--data", "train.tsv"), "nncj: --data and --recover-eval are for --recover");
    }

    /** sentence-label rows: "cat" somewhere means 1, "dog" 0, in TinyTokenizer's words. */
    static Path catsAndDogs(Path file, int rows) throws IOException {
        String[] filler = {"the", "sat", "on", "mat", "a", "."};
        java.util.Random r = new java.util.Random(3);
        StringBuilder tsv = new StringBuilder("sentence\tlabel\n");
        for (int i = 0; i < rows; i++) {
            boolean cat = i % 2 == 0;
            StringBuilder s = new StringBuilder();
            int words = 2 + r.nextInt(4);
            int at = r.nextInt(words);
            for (int w = 0; w < words; w++) {
                s.append(w == at ? (cat ? "cat" : "dog") : filler[r.nextInt(filler.length)]).append(' ');
            }
            tsv.append(s.toString().trim()).append('\t').append(cat ? 1 : 0).append('\n');
        }
        return Files.writeString(file, tsv);
    }

    private void assertUsage(List<String> options, String line) {
        List<Object> args = new ArrayList<>(List.of("factorize", encoder, "-o", out, "-q"));
        args.addAll(options);
        CliRun run = CliRun.of(args.toArray());
        assertThat(run.exitCode()).as(options.toString()).isEqualTo(2);
        assertThat(run.errorLine()).isEqualTo(line);
        assertThat(Files.exists(out)).as(options.toString()).isFalse();
    }
}
