package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.ProgressListener;
import dev.nncj.quantize.DynamicInt8Quantizer;
import dev.nncj.quantize.QuantizationMode;
import dev.nncj.quantize.QuantizeOptions;
import dev.nncj.train.finetune.ClassifierHead;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** quantize --qat and prune --importance gradient through the CLI, on a tiny classifier. */
class TrainingAwareCommandsTest {
    @TempDir
    Path dir;

    /**
     * A tiny classifier with its tokenizer, 32 labelled rows in train.tsv ("cat" 1, "dog" 0) and 16
     * other rows in test.tsv.
     */
    private Path classifier() throws IOException {
        TinyTokenizer.write(dir);
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        ClassifierHead.attach(model, "last_hidden_state", 2, 5);
        Path file = dir.resolve("clf.onnx");
        OnnxFiles.save(model, file);
        StringBuilder tsv = new StringBuilder("sentence\tlabel\n");
        String[] filler = {"the", "sat on", "a mat", "the mat ."};
        for (int i = 0; i < 32; i++) {
            boolean cat = i % 3 != 0;
            tsv.append(filler[i % 4]).append(cat ? " cat " : " dog ").append(filler[(i / 4) % 4]).append('\t')
                    .append(cat ? 1 : 0).append('\n');
        }
        Files.writeString(dir.resolve("train.tsv"), tsv);
        StringBuilder test = new StringBuilder("sentence\tlabel\n");
        for (int i = 0; i < 16; i++) {
            boolean cat = i % 2 == 0;
            test.append(filler[(i + 1) % 4]).append(cat ? " cat" : " dog").append(i % 3 == 0 ? "s" : "").append('\t')
                    .append(cat ? 1 : 0).append('\n');
        }
        Files.writeString(dir.resolve("test.tsv"), test);
        return file;
    }

    @Test
    void qatWritesTheStaticInt8ModelAndReportsBeforeAndAfter() throws Exception {
        Path clf = classifier();
        Path out = dir.resolve("out/qat.onnx");
        Files.createDirectories(out.getParent());
        // --asymmetric: uint8 weights, which ONNX Runtime multiplies exactly; this toy's few weights per column
        // saturate its uint8·int8 kernel on x86 without VNNI (bench/results/2026-12-03-int8-avx2.md)
        CliRun run = CliRun.of("quantize", clf, "-o", out, "--mode", "static-int8", "--qat", "--data", dir.resolve("train.tsv"),
                "--max-length", 16, "--batch-size", 8, "--lr", 1e-2, "--epochs", 16, "--eval-data", dir.resolve("test.tsv"),
                "--eval-task", "text-classification", "--bench-runs", 3, "--seq-len", 8, "--asymmetric", "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("mode").asText()).isEqualTo("static-int8");
        double before = QuantizeCommandTest.accuracy(json, "metric_before");
        double after = QuantizeCommandTest.accuracy(json, "metric_after");
        // each figure is what eval, run separately on each file, measures: the report scores the file
        // it wrote, not the model in training
        assertThat(before).isEqualTo(evalAccuracy(clf));
        assertThat(after).isEqualTo(evalAccuracy(out));
        assertThat(json.get("metric_after").get("n").asInt()).isEqualTo(16);
        // the float classifier's head is untrained (8 of 16); 64 steps on the labels (hard weight 1 in
        // the recovery preset QAT uses) teach the int8 one: measured 12 of 16 with the default seed 1 (symmetric weights)
        // (seeds 2-4: 8, 16, 16; with attention fake-quantized too, as before 2026-12-03, 8 epochs
        // gave 13, 16, 8 for seeds 1-3: this toy is that noisy, so only a 2-sentence gain is asked)
        assertThat(after).isGreaterThanOrEqualTo(before + 0.125);
        OnnxModel written = OnnxFiles.load(out);
        assertThat(written.graph().nodes()).anyMatch(n -> n.opType().equals("QuantizeLinear"))
                .anyMatch(n -> n.opType().equals("MatMulIntegerToFloat"))
                .noneMatch(n -> n.opType().equals("FakeQuantizeWeight"));
        assertThat(written.metadata().get("nncj.steps")).contains("\"qat\"");
        assertThat(out.resolveSibling("tokenizer.json")).exists();
    }

    /** Accuracy on test.tsv by {@code nncj eval}, a separate run on the file. */
    private double evalAccuracy(Path model) throws IOException {
        CliRun eval = CliRun.of("eval", model, "--task", "text-classification", "--data", dir.resolve("test.tsv"),
                "--tokenizer", dir.resolve("tokenizer.json"), "--json", "-q");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(eval.out());
        assertThat(json.get("n").asInt()).isEqualTo(16);
        return json.get("accuracy").asDouble();
    }

    /**
     * Dynamic int8's QAT writes the model dynamic-int8 quantization writes (its integer products, no training
     * op), with the trained weights; that training teaches is the static test's above (the same distillation).
     */
    @Test
    void qatWritesTheDynamicInt8ModelWithTrainedWeights() throws Exception {
        classifier();
        // as the emitter writes it (as distill and search do): the hidden-state term finds its layers there
        Path clf = dir.resolve("emitted.onnx");
        OnnxFiles.save(EncoderEmitter.emit(EncoderLifter.lift(OnnxFiles.load(dir.resolve("clf.onnx")), dir.resolve("clf.onnx")),
                EmitOptions.defaults()), clf);
        Path out = dir.resolve("out/qat-dynamic.onnx");
        Files.createDirectories(out.getParent());
        CliRun run = CliRun.of("quantize", clf, "-o", out, "--mode", "dynamic-int8", "--qat", "--data", dir.resolve("train.tsv"),
                "--max-length", 16, "--batch-size", 8, "--lr", 1e-2, "--epochs", 1, "--eval-data", dir.resolve("test.tsv"),
                "--eval-task", "text-classification", "--bench-runs", 3, "--seq-len", 8, "--asymmetric", "--hidden-weight", 0.5,
                "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("mode").asText()).isEqualTo("dynamic-int8");
        assertThat(QuantizeCommandTest.accuracy(json, "metric_after")).isEqualTo(evalAccuracy(out));
        OnnxModel written = OnnxFiles.load(out);
        assertThat(written.graph().nodes()).anyMatch(n -> n.opType().equals("DynamicQuantizeLinear"))
                .anyMatch(n -> n.opType().equals("MatMulIntegerToFloat"))
                .noneMatch(n -> n.opType().startsWith("FakeQuantize"));
        assertThat(written.metadata().get("nncj.steps")).contains("\"qat\"").contains("\"hidden_weight\":0.5");
        QuantizeOptions d = QuantizeOptions.defaults(QuantizationMode.DYNAMIC_INT8);
        OnnxModel untrained = new DynamicInt8Quantizer().quantize(OnnxFiles.load(clf), new QuantizeOptions(d.mode(), d.nodes(),
                d.perChannel(), false, d.blockSize(), d.fp8Format(), d.calibration(), false, true), ProgressListener.NONE).model();
        assertThat(untrained.graph().initializers().keySet()).isEqualTo(written.graph().initializers().keySet());
        assertThat(untrained.graph().initializers().values()).as("the trained weights, not the float model's")
                .anyMatch(t -> !t.rawData().equals(written.graph().initializer(t.name()).orElseThrow().rawData()));
    }

    @Test
    void qatMisuseIsOneLineAndWritesNothing() throws Exception {
        Path clf = classifier();
        Path out = dir.resolve("bad.onnx");
        CliRun weightOnly = CliRun.of("quantize", clf, "-o", out, "--mode", "int8-weight", "--qat", "--data", dir.resolve("train.tsv"), "-q");
        assertThat(weightOnly.exitCode()).isEqualTo(1);
        assertThat(weightOnly.errorLine()).contains("--qat trains for static-int8 and dynamic-int8");
        CliRun layersWithoutQat = CliRun.of("quantize", clf, "-o", out, "--mode", "dynamic-int8", "--hidden-weight", 1, "-q");
        assertThat(layersWithoutQat.errorLine()).contains("--hidden-weight, --attention-weight and --layer-map are for --qat");
        CliRun layersOfAnExport = CliRun.of("quantize", clf, "-o", out, "--mode", "dynamic-int8", "--qat", "--data",
                dir.resolve("train.tsv"), "--hidden-weight", 1, "-q");
        assertThat(layersOfAnExport.exitCode()).isEqualTo(1);
        assertThat(layersOfAnExport.errorLine()).contains("clf.onnx").contains("found only in an encoder graph NNCJ wrote");
        CliRun noData = CliRun.of("quantize", clf, "-o", out, "--mode", "static-int8", "--qat", "-q");
        assertThat(noData.errorLine()).contains("--qat needs --data");
        CliRun dataWithoutQat = CliRun.of("quantize", clf, "-o", out, "--mode", "static-int8", "--data", dir.resolve("train.tsv"), "-q");
        assertThat(dataWithoutQat.errorLine()).contains("give --qat too");
        CliRun missing = CliRun.of("quantize", clf, "-o", out, "--mode", "static-int8", "--qat", "--data", dir.resolve("nope.tsv"), "-q");
        assertThat(missing.errorLine()).contains("nope.tsv").contains("does not exist");
        assertThat(out).doesNotExist();
    }

    /**
     * Gradient importance, two rounds, each recovered by distillation with hidden states too: the written
     * classifier lifts to the target shape.
     */
    @Test
    void prunesIterativelyWithGradientImportanceAndRecovery() throws Exception {
        Path clf = classifier();
        Path out = dir.resolve("out/pruned.onnx");
        Files.createDirectories(out.getParent());
        CliRun run = CliRun.of("prune", clf, "-o", out, "--heads", 0.5, "--ffn", 0.5, "--importance", "gradient",
                "--data", dir.resolve("train.tsv"), "--iterations", 2, "--recover", "--hidden-weight", 1, "--max-length", 16, "--batch-size", 8,
                "--eval-data", dir.resolve("train.tsv"), "--eval-task", "text-classification", "--bench-runs", 3,
                "--seq-len", 8, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("layers")).hasSize(2);
        assertThat(json.get("layers").get(0).get("heads")).hasSize(1);
        assertThat(json.get("layers").get(0).get("ffn_neurons").asInt()).isEqualTo(8);
        var spec = dev.nncj.transformer.EncoderLifter.lift(OnnxFiles.load(out), out);
        assertThat(spec.layers()).allMatch(l -> l.attention().heads() == 1 && l.ffn().width() == 8);
        assertThat(OnnxFiles.load(out).graph().outputs()).extracting(v -> v.getName()).containsExactly("logits");
        assertThat(OnnxFiles.load(out).metadata().get("nncj.steps")).contains("\"recover\":true", "\"hidden_weight\":1.0");
    }

    @Test
    void gradientImportanceNeedsLabelledDataAndAClassifier() throws Exception {
        classifier();
        Path encoder = dir.resolve("encoder.onnx");
        OnnxFiles.save(TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false), encoder);
        Path out = dir.resolve("pruned.onnx");
        CliRun noData = CliRun.of("prune", encoder, "-o", out, "--heads", 0.5, "--importance", "gradient", "-q");
        assertThat(noData.exitCode()).isEqualTo(1);
        assertThat(noData.errorLine()).contains("--importance gradient needs --data");
        CliRun bare = CliRun.of("prune", encoder, "-o", out, "--heads", 0.5, "--importance", "gradient",
                "--data", dir.resolve("train.tsv"), "-q");
        assertThat(bare.errorLine()).contains("needs a classifier").contains("bare encoder");
        CliRun hiddenWithoutRecover = CliRun.of("prune", encoder, "-o", out, "--heads", 0.5, "--hidden-weight", 1, "-q");
        assertThat(hiddenWithoutRecover.errorLine()).isEqualTo("nncj: --hidden-weight, --attention-weight and --layer-map are for --recover");
        CliRun badMap = CliRun.of("prune", encoder, "-o", out, "--heads", 0.5, "--recover", "--data", dir.resolve("train.tsv"),
                "--layer-map", "0-1", "-q");
        assertThat(badMap.errorLine()).startsWith("nncj: --layer-map: '0-1' is not STUDENT:TEACHER");
        CliRun recoverWithoutData = CliRun.of("prune", encoder, "-o", out, "--heads", 0.5, "--recover", "-q");
        assertThat(recoverWithoutData.errorLine()).contains("--recover needs --data");
        assertThat(out).doesNotExist();
    }
}
