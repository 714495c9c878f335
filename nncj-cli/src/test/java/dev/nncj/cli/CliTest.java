package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI in-process on tiny models: outputs, JSON keys, exit codes and one-line errors. */
class CliTest {
    @TempDir
    Path dir;

    Path classifier;

    @BeforeEach
    void models() throws IOException {
        classifier = dir.resolve("clf.onnx");
        OnnxFiles.save(TinyModels.bagOfWordsClassifier(TinyTokenizer.VOCABULARY_SIZE), classifier);
        TinyTokenizer.write(dir);
    }

    @Test
    void helpAndUsageErrorsUseExitCodesZeroAndTwo() {
        CliRun help = CliRun.of("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("inspect", "eval", "bench", "zoo", "demo");
        assertThat(CliRun.of("eval", "--help").out()).contains("--task", "--reference", "--tokenizer");
        assertThat(CliRun.of().exitCode()).isEqualTo(2);
        assertThat(CliRun.of("inspect", classifier, "--no-such-flag").exitCode()).isEqualTo(2);
        assertThat(CliRun.of("eval", classifier, "--task", "poetry", "--data", "x.tsv").exitCode()).isEqualTo(2);
    }

    @Test
    void inspectJsonHasTheDocumentedKeys() throws IOException {
        CliRun run = CliRun.of("inspect", classifier, "--json");
        assertThat(run.exitCode()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        assertThat(json.get("parameters").asLong()).isEqualTo(TinyTokenizer.VOCABULARY_SIZE * 2L);
        assertThat(json.get("bytes").asLong()).isEqualTo(Files.size(classifier));
        assertThat(json.get("ops").get("Gather").asInt()).isEqualTo(1);
        assertThat(json.get("inputs").get(0).get("name").asText()).isEqualTo("input_ids");
        assertThat(json.get("outputs").get(0).get("shape").toString()).isEqualTo("[\"batch\",\"2\"]");
    }

    @Test
    void evalPrintsAccuracyWithItsIntervalAndCount() throws IOException {
        Path data = Files.writeString(dir.resolve("d.tsv"), "sentence\tlabel\nthe cat\t1\na dog\t0\ndogs\t0\n");
        CliRun run = CliRun.of("eval", classifier, "--task", "text-classification", "--data", data, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        assertThat(json.get("accuracy").asDouble()).isEqualTo(1.0);
        assertThat(json.get("n").asInt()).isEqualTo(3);
        assertThat(json.get("ci95").size()).isEqualTo(2);
        assertThat(CliRun.of("eval", classifier, "--task", "text-classification", "--data", data, "-q").out())
                .contains("accuracy = 1.0000", "n = 3");
    }

    @Test
    void benchJsonHasPercentilesAndTheComparisonRatio() throws IOException {
        Path other = dir.resolve("other.onnx");
        OnnxFiles.save(TinyModels.bagOfWordsClassifier(40), other);
        CliRun run = CliRun.of("bench", classifier, "--compare", other, "--runs", 5, "--warmup", 1,
                "--seq-len", 16, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        assertThat(json.get("p50_ms").asDouble()).isPositive();
        assertThat(json.get("p90_ms").asDouble()).isGreaterThanOrEqualTo(json.get("p50_ms").asDouble());
        JsonNode compare = json.get("compare");
        assertThat(compare.get("ratio_p50").asDouble())
                .isCloseTo(json.get("p50_ms").asDouble() / compare.get("p50_ms").asDouble(),
                        org.assertj.core.data.Offset.offset(1e-9));
        assertThat(CliRun.of("bench", classifier, "--runs", 3, "--warmup", 1, "--seq-len", 8, "-q").out())
                .contains("p50", "samples/s");
    }

    @Test
    void zooListsTheBaselineAndRejectsUnknownNames() {
        assertThat(CliRun.of("zoo", "list").out()).contains("all-minilm-l6-v2", "all-minilm-l6-v2-ort-int8");
        CliRun unknown = CliRun.of("zoo", "get", "gpt-9", "-o", dir.resolve("z"));
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.errorLine()).isEqualTo("nncj: unknown zoo model 'gpt-9'; available: all-minilm-l6-v2, all-minilm-l6-v2-ort-int8, bge-small-en-v1.5, bge-small-en-v1.5-ort-int8, e5-small-v2, bge-small-zh-v1.5");
    }

    // ---- bad input: one line naming the file and the problem, exit 1 ----

    @Test
    void missingModelFile() {
        CliRun run = CliRun.of("inspect", dir.resolve("nope.onnx"));
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).isEqualTo("nncj: " + dir.resolve("nope.onnx") + ": file not found");
    }

    @Test
    void fileThatIsNotOnnx() throws IOException {
        Path text = Files.writeString(dir.resolve("readme.onnx"), "# not a model\njust text\n");
        CliRun run = CliRun.of("inspect", text);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).startsWith("nncj: " + text + ": is not an ONNX model");
    }

    @Test
    void truncatedOnnxFile() throws IOException {
        byte[] bytes = Files.readAllBytes(classifier);
        Path cut = dir.resolve("cut.onnx");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 7));
        CliRun run = CliRun.of("bench", cut, "--runs", 2, "-q");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).startsWith("nncj: " + cut + ":");
        CliRun inspect = CliRun.of("inspect", cut);
        assertThat(inspect.errorLine()).isEqualTo("nncj: " + cut + ": is truncated or corrupt (the protobuf ends unexpectedly)");
    }

    @Test
    void dataRowThatDoesNotParseNamesItsLine() throws IOException {
        Path data = Files.writeString(dir.resolve("bad.tsv"), "sentence\tlabel\nthe cat\t1\na dog\tpositive\n");
        CliRun run = CliRun.of("eval", classifier, "--task", "text-classification", "--data", data, "-q");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).startsWith("nncj: " + data + ":3: ").contains("positive");
    }

    @Test
    void tokenizerLargerThanTheEmbeddingTable() throws IOException {
        Path small = dir.resolve("small.onnx");
        OnnxFiles.save(TinyModels.bagOfWordsClassifier(8), small);
        Path data = Files.writeString(dir.resolve("d.tsv"), "sentence\tlabel\nthe cat\t1\n");
        CliRun run = CliRun.of("eval", small, "--task", "text-classification", "--data", data, "-q");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).isEqualTo("nncj: " + dir.resolve("tokenizer.json")
                + ": vocabulary has 14 tokens but the model " + small + " embeds only 8 (wrong tokenizer for this model?)");
    }

    @Test
    void labelsTheModelCannotProduce() throws IOException {
        Path data = Files.writeString(dir.resolve("five.tsv"), "sentence\tlabel\nthe cat\t1\na dog\t4\n");
        CliRun run = CliRun.of("eval", classifier, "--task", "text-classification", "--data", data, "-q");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).isEqualTo("nncj: " + data + ":3: label 4 cannot be produced by " + classifier
                + ", which outputs 2 classes");
    }

    @Test
    void anOpOnnxRuntimeCannotRun() throws IOException {
        GraphBuilder b = new GraphBuilder("custom", 17).opset("com.example", 1);
        String x = b.input("x", DataType.FLOAT, 1, 4);
        b.output(b.node("com.example", "Nope", 1, x).output(0), "y", DataType.FLOAT, 1, 4);
        OnnxModel model = b.build();
        Path file = dir.resolve("custom.onnx");
        OnnxFiles.save(model, file);
        CliRun run = CliRun.of("bench", file, "--runs", 2, "-q");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).startsWith("nncj: " + file + ": ONNX Runtime cannot run this model: ")
                .contains("Nope");
    }

    @Test
    void missingDataFileAndMissingTokenizer() throws IOException {
        CliRun noData = CliRun.of("eval", classifier, "--task", "text-classification", "--data", dir.resolve("none.tsv"));
        assertThat(noData.errorLine()).isEqualTo("nncj: " + dir.resolve("none.tsv") + ": file not found");
        Path data = Files.writeString(dir.resolve("d.tsv"), "sentence\tlabel\nthe cat\t1\n");
        CliRun noTokenizer = CliRun.of("eval", classifier, "--task", "text-classification", "--data", data,
                "--tokenizer", dir.resolve("missing.json"));
        assertThat(noTokenizer.exitCode()).isEqualTo(1);
        assertThat(noTokenizer.errorLine()).startsWith("nncj: " + dir.resolve("missing.json") + ": ");
    }

    @Test
    void badOptionValuesAreOneLineUserErrorsNotInternalErrors() throws IOException {
        Path data = Files.writeString(dir.resolve("d.tsv"), "sentence\tlabel\nthe cat\t1\n");
        CliRun batch = CliRun.of("eval", classifier, "--task", "text-classification", "--data", data, "--batch-size", 0, "-q");
        assertThat(batch.exitCode()).isEqualTo(1);
        assertThat(batch.errorLine()).isEqualTo("nncj: batch size must be at least 1, got 0");
        CliRun limit = CliRun.of("eval", classifier, "--task", "text-classification", "--data", data, "--limit", 0, "-q");
        assertThat(limit.errorLine()).isEqualTo("nncj: the example limit must be at least 1, got 0");
        Path out = dir.resolve("q.onnx");
        CliRun regex = CliRun.of("quantize", classifier, "-o", out, "--mode", "fp16", "--include", "[bad", "-q");
        assertThat(regex.exitCode()).isEqualTo(2);
        assertThat(regex.errorLine()).startsWith("nncj: --include '[bad' is not a valid regular expression");
        assertThat(out).doesNotExist();
    }
}
