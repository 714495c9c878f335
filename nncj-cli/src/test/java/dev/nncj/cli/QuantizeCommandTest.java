package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nncj quantize on tiny models: the int8 modes, --max-drop and the one-line errors. */
class QuantizeCommandTest {
    @TempDir
    Path dir;

    Path model;
    Path data;

    /**
     * A bag-of-words classifier over TinyTokenizer's ids with a 20-row table (so it is quantized):
     * <pre>
     * input_ids ── Gather(table[20,2]) ── ReduceMean(axis 1) ── logits[batch,2]
     * </pre>
     * "cat" (5) scores (0.9999, 1.0): class 1 by 1e-4, a margin below int8's step (1/127), so per-row
     * rounding makes both logits 127·s and argmax falls to class 0; "dog" (9) is (4, 0), robust.
     */
    static OnnxModel fragileClassifier() {
        GraphBuilder b = new GraphBuilder("fragile", 13);
        String ids = b.input("input_ids", DataType.INT64, "batch", "seq");
        b.input("attention_mask", DataType.INT64, "batch", "seq");
        float[] table = new float[20 * 2];
        table[5 * 2] = 0.9999f;
        table[5 * 2 + 1] = 1.0f;
        table[9 * 2] = 4f;
        String emb = b.initializer(Tensor.ofFloats("table", new long[] {20, 2}, table));
        Node mean = b.node("ReduceMean", b.op("Gather", emb, ids)).set("axes", new long[] {1}).set("keepdims", 0L);
        b.output(mean.output(0), "logits", DataType.FLOAT, "batch", 2);
        return b.build();
    }

    @BeforeEach
    void files() throws IOException {
        model = dir.resolve("clf.onnx");
        OnnxFiles.save(fragileClassifier(), model);
        TinyTokenizer.write(dir);
        data = Files.writeString(dir.resolve("d.tsv"), "sentence\tlabel\ncat\t1\ndog\t0\ncat cat\t1\ndogs\t0\n");
    }

    @Test
    void dynamicInt8QuantizesTheTableAndReportsTheAccuracyItCost() throws IOException {
        Path out = dir.resolve("q/clf.onnx");
        CliRun run = CliRun.of("quantize", model, "-o", out, "--mode", "dynamic-int8", "--eval-data", data,
                "--eval-task", "text-classification", "--bench-runs", "2", "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        assertThat(json.get("quantized_nodes").asInt()).isEqualTo(1);
        assertThat(Files.exists(out)).isTrue();
        // float: all 4 rows right; int8: both "cat" rows flip to class 0 (see fragileClassifier), 2 of 4
        assertThat(accuracy(json, "metric_before")).isEqualTo(1.0);
        assertThat(accuracy(json, "metric_after")).isEqualTo(0.5);
        assertThat(json.get("metric_after").get("n").asInt()).isEqualTo(4);
        // and the figure is the written file's: eval scores it the same, independently
        CliRun eval = CliRun.of("eval", out, "--task", "text-classification", "--data", data,
                "--tokenizer", dir.resolve("tokenizer.json"), "--json", "-q");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        assertThat(Json.mapper().readTree(eval.out()).get("accuracy").asDouble()).isEqualTo(0.5);
    }

    /** The accuracy a compression report gives under {@code key} (metric_before, metric_after). */
    static double accuracy(JsonNode report, String key) {
        JsonNode metric = report.get(key);
        assertThat(metric).as("report has %s: %s", key, report).isNotNull();
        assertThat(metric.get("metric").asText()).isEqualTo("accuracy");
        return metric.get("accuracy").asDouble();
    }

    @Test
    void maxDropFallsTheSensitiveLookupBackToFloatAndSaysWhy() throws IOException {
        Path out = dir.resolve("md/clf.onnx");
        CliRun run = CliRun.of("quantize", model, "-o", out, "--mode", "dynamic-int8", "--select-data", data,
                "--eval-task", "text-classification", "--max-drop", "0.1", "--bench-runs", "2", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        // quantized, the two "cat" rows flip: accuracy 0.5, a drop of 0.5 > 0.1, so the Gather falls back
        assertThat(run.out()).contains("0 nodes quantized", "accuracy-driven fallback", "drop 0.5000", "final drop 0.0000");
    }

    @Test
    void maxDropOnAnEmbedderUsesMeanCosineAndFallsBackUntilWithinBudget() throws IOException {
        Path embedder = dir.resolve("emb.onnx");
        OnnxFiles.save(dev.nncj.onnx.TinyModels.tokenEmbedder(40, 0.3f), embedder);
        Path sentences = Files.writeString(dir.resolve("s.txt"), "the cat sat\non the mat .\na dog\n");
        Path out = dir.resolve("emb-md/emb.onnx");
        // per-row int8 moves the cosine by ~1e-5: a budget of 1e-7 forces the lookup back to float
        CliRun run = CliRun.of("quantize", embedder, "-o", out, "--mode", "dynamic-int8", "--select-data", sentences,
                "--max-drop", "0.0000001", "--bench-runs", "2", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("0 nodes quantized", "accuracy-driven fallback", "mean cosine to the original",
                "1 node(s) fell back");
        assertThat(run.out()).doesNotContain("NOT met");
    }

    @Test
    void emptyCalibrationDataIsOneLineNamingTheFileAndNothingIsWritten() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.tsv"), "sentence\tlabel\n");
        Path out = dir.resolve("s/clf.onnx");
        CliRun run = CliRun.of("quantize", model, "-o", out, "--mode", "static-int8", "--calibration-data", empty, "-q");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).contains("empty.tsv").contains("no sentences");
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void maxDropWithoutSelectionDataIsRefused() {
        Path out = dir.resolve("x/clf.onnx");
        CliRun run = CliRun.of("quantize", model, "-o", out, "--mode", "dynamic-int8", "--max-drop", "0.01", "--eval-data", data,
                "--eval-task", "text-classification", "-q");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errorLine()).isEqualTo("nncj: --max-drop needs its own selection data: give --select-data FILE (--eval-data"
                + " reports the drop; it cannot also choose the nodes)");
        assertThat(Files.exists(out)).isFalse();
    }
}
