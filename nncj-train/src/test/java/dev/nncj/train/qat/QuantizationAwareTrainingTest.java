package dev.nncj.train.qat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.quantize.Calibration;
import dev.nncj.quantize.DynamicInt8Quantizer;
import dev.nncj.quantize.QuantizationMode;
import dev.nncj.quantize.QuantizeOptions;
import dev.nncj.quantize.StaticInt8Quantizer;
import dev.nncj.quantize.QuantizedTrainableForm;
import dev.nncj.train.distill.DistillData;
import dev.nncj.train.distill.DistillOptions;
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.execution.OrtReference;
import dev.nncj.train.finetune.ClassifierHead;
import dev.nncj.train.finetune.FineTuneOptions;
import dev.nncj.train.finetune.FineTunerTest;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantizationAwareTrainingTest {
    @TempDir
    Path dir;

    /**
     * y = DQ(Q(x · FakeQuantizeWeight(W))) with an activation range that clips some outputs. The
     * straight-through gradient of sum(y) is that of the unquantized product where the output was
     * inside the range and 0 where it was clipped: dW[k, n] = sum over rows r inside of x[r, k].
     * <pre>
     * x[2,3] ─ MatMul ─ QuantizeLinear(s = 0.01, zp = 100) ─ DequantizeLinear ─ y[2,2]
     * W[3,2] ─ FakeQuantizeWeight ┘
     * </pre>
     */
    @Test
    void straightThroughGradientPassesInsideTheRangeAndStopsWhereClipped() {
        GraphBuilder b = new GraphBuilder("ste", 13);
        b.opset(StaticInt8Quantizer.FAKE_QUANT_DOMAIN, 1);
        String x = b.input("x", DataType.FLOAT, 2, 3);
        float[] w = {0.5f, -0.3f, 0.2f, 0.9f, -0.7f, 0.4f};
        String weight = b.initializer(Tensor.ofFloats("w", new long[] {3, 2}, w));
        Node fq = b.node(StaticInt8Quantizer.FAKE_QUANT_DOMAIN, StaticInt8Quantizer.FAKE_QUANT_WEIGHT, 1, weight);
        fq.set("axis", 1L).set("symmetric", 1L);
        String s = b.initializer(Tensor.ofFloats("s", new long[0], 0.01f));
        String zp = b.initializer(Tensor.encodeLongs("zp", DataType.UINT8, new long[0], new long[] {100}));
        String q = b.op("QuantizeLinear", b.op("MatMul", x, fq.output(0)), s, zp);
        b.output(b.op("DequantizeLinear", q, s, zp), "y", DataType.FLOAT, 2, 2);
        // representable range: (0 - 100) * 0.01 .. (255 - 100) * 0.01 = [-1, 1.55]
        float[] xs = {1, 0.5f, 0.2f, 2, -1, 1};
        try (OnnxExecutor executor = OnnxExecutor.create(b.build(), ExecutorOptions.defaults());
                NDManager step = executor.manager().newSubManager()) {
            NDArray input = step.create(xs, new ai.djl.ndarray.types.Shape(2, 3));
            float[] y;
            try (GradientCollector c = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray out = executor.forward(step, Map.of("x", input)).get("y");
                y = out.toFloatArray();
                c.backward(out.sum());
            }
            float[] product = new float[4];
            for (int r = 0; r < 2; r++) {
                for (int n = 0; n < 2; n++) {
                    for (int k = 0; k < 3; k++) {
                        product[r * 2 + n] += xs[r * 3 + k] * w[k * 2 + n];
                    }
                }
            }
            float[] expected = new float[6];
            int clipped = 0;
            for (int r = 0; r < 2; r++) {
                for (int n = 0; n < 2; n++) {
                    boolean inside = product[r * 2 + n] >= -1 && product[r * 2 + n] <= 1.55f;
                    clipped += inside ? 0 : 1;
                    assertThat(y[r * 2 + n]).isBetween(-1f, 1.55f);
                    for (int k = 0; k < 3; k++) {
                        expected[k * 2 + n] += inside ? xs[r * 3 + k] : 0;
                    }
                }
            }
            assertThat(clipped).as("the test needs clipped and unclipped outputs").isBetween(1, 3);
            float[] grad = executor.trainableParameters().get(0).array().getGradient().toFloatArray();
            assertThat(grad).containsExactly(expected, org.assertj.core.data.Offset.offset(1e-6f));
        }
    }

    /**
     * y = FakeQuantizeActivation(x) · W: each row of x (a sentence) is rounded to 255 steps of its own
     * range [min(row, 0), max(row, 0)]; the gradient to x passes straight through (the range covers x,
     * nothing is clipped), and W's is that of the product with the rounded x.
     */
    @Test
    void activationsAreRangedPerSentenceAndTheGradientPassesStraightThrough() {
        GraphBuilder b = new GraphBuilder("ste", 13);
        b.opset(StaticInt8Quantizer.FAKE_QUANT_DOMAIN, 1);
        String x = b.input("x", DataType.FLOAT, 2, 3);
        String weight = b.initializer(Tensor.ofFloats("w", new long[] {3, 1}, 1f, 1f, 1f));
        Node fq = b.node(StaticInt8Quantizer.FAKE_QUANT_DOMAIN, DynamicInt8Quantizer.FAKE_QUANT_ACTIVATION, 1, x);
        b.output(b.op("MatMul", fq.output(0), weight), "y", DataType.FLOAT, 2, 1);
        // row 0 spans [0, 2.55]: steps of 0.01, so 0.123 -> 0.12; row 1 spans [-25.5, 0]: steps of 0.1, so -0.123 -> -0.1
        float[] xs = {0.123f, 2.55f, 1f, -0.123f, -25.5f, -1f};
        try (OnnxExecutor executor = OnnxExecutor.create(b.build(), ExecutorOptions.defaults());
                NDManager step = executor.manager().newSubManager()) {
            NDArray input = step.create(xs, new ai.djl.ndarray.types.Shape(2, 3));
            input.setRequiresGradient(true);
            float[] y;
            try (GradientCollector c = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray out = executor.forward(step, Map.of("x", input)).get("y");
                y = out.toFloatArray();
                c.backward(out.sum());
            }
            assertThat(y).containsExactly(new float[] {0.12f + 2.55f + 1f, -0.1f - 25.5f - 1f},
                    org.assertj.core.data.Offset.offset(1e-4f));
            assertThat(input.getGradient().toFloatArray()).containsOnly(1f);
            float[] grad = executor.trainableParameters().get(0).array().getGradient().toFloatArray();
            assertThat(grad).containsExactly(new float[] {0.12f - 0.1f, 2.55f - 25.5f, 0f}, org.assertj.core.data.Offset.offset(1e-4f));
        }
    }

    private QuantizeOptions staticInt8() throws IOException {
        return staticInt8(QuantizeOptions.defaults(QuantizationMode.STATIC_INT8).symmetric());
    }

    /**
     * Static int8 calibrated on the tiny task's sentences; {@code symmetric} weights are stored as int8, else
     * as uint8, which ONNX Runtime multiplies exactly on every CPU (its uint8·int8 kernel can saturate on x86
     * without VNNI, and a tiny model's few weights per column do: bench/results/2026-12-03-int8-avx2.md).
     */
    private QuantizeOptions staticInt8(boolean symmetric) throws IOException {
        TinyTokenizer.write(dir);
        FineTunerTest.catsAndDogs(dir.resolve("train.tsv"), 48, 3);
        List<String> sentences = SentenceFile.read(dir.resolve("train.tsv"));
        QuantizeOptions d = QuantizeOptions.defaults(QuantizationMode.STATIC_INT8);
        return new QuantizeOptions(d.mode(), d.nodes(), d.perChannel(), symmetric, d.blockSize(), d.fp8Format(),
                Optional.of(new Calibration(sentences, dir.resolve("tokenizer.json"), Calibration.Method.MIN_MAX, 99.99, 16)),
                false, true);
    }

    private DistillData data() {
        return DistillData.load(dir.resolve("train.tsv"), null, dir.resolve("tokenizer.json"));
    }

    /** A tiny classifier (opset 11 encoder + mean pooling + Gemm), saved. */
    private Path classifier() {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        ClassifierHead.attach(model, "last_hidden_state", 2, 5);
        Path file = dir.resolve("classifier.onnx");
        OnnxFiles.save(model, file);
        return file;
    }

    /**
     * The training form computes what ONNX Runtime computes for the exported QDQ model: the
     * executor's logits of the fake-quantized graph against ORT's of the static-int8 export with the
     * same ranges. They differ by float summation order only (ORT runs the products in integers),
     * far below one activation quantization step.
     */
    @Test
    void fakeQuantForwardMatchesTheExportedQdqModelOnOrt() throws Exception {
        QuantizeOptions options = staticInt8(false); // uint8 weights: ORT's exact kernel, whatever the CPU
        Path file = classifier();
        Map<String, float[]> ranges = StaticInt8Quantizer.calibrate(OnnxFiles.load(file), options, ProgressListener.NONE);
        OnnxModel fake = StaticInt8Quantizer.fakeQuantized(OnnxFiles.load(file), options, ranges);
        OnnxModel export = StaticInt8Quantizer.quantizeWithRanges(OnnxFiles.load(file), options, ranges).model();
        assertThat(fake.graph().nodes()).anyMatch(n -> n.opType().equals(StaticInt8Quantizer.FAKE_QUANT_WEIGHT));
        assertThat(export.graph().nodes()).noneMatch(n -> n.opType().equals(StaticInt8Quantizer.FAKE_QUANT_WEIGHT));
        Map<String, Tensor> inputs = Map.of(
                "input_ids", Tensor.ofLongs("input_ids", new long[] {2, 5}, 2, 4, 5, 6, 3, 2, 9, 3, 0, 0),
                "attention_mask", Tensor.ofLongs("attention_mask", new long[] {2, 5}, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0),
                "token_type_ids", Tensor.ofLongs("token_type_ids", new long[] {2, 5}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        float[] ours = OrtReference.runExecutor(fake, inputs).get(ClassifierHead.LOGITS).toFloats();
        float[] ort = OrtReference.runOrt(export, inputs).get(ClassifierHead.LOGITS).toFloats();
        float[] fp32 = OrtReference.runOrt(OnnxFiles.load(file), inputs).get(ClassifierHead.LOGITS).toFloats();
        double diff = 0;
        double quantizationEffect = 0;
        for (int i = 0; i < ort.length; i++) {
            diff = Math.max(diff, Math.abs(ours[i] - ort[i]));
            quantizationEffect = Math.max(quantizationEffect, Math.abs(fp32[i] - ort[i]));
        }
        assertThat(diff).isLessThan(1e-4);
        assertThat(quantizationEffect).as("quantization must change the logits, or the comparison proves nothing")
                .isGreaterThan(10 * diff);
    }

    /**
     * With a learning rate too small to move a weight of any size, QAT's export is the model
     * static-int8 quantization writes from the same calibration: same nodes, the same integer
     * tensors bit for bit, float tensors within 1e-15 (AdamW's first steps move even a zero bias by
     * about the learning rate).
     */
    @Test
    void exportIsTheStaticInt8Form() throws IOException {
        QuantizeOptions options = staticInt8();
        Path file = classifier();
        var result = QuantizationAwareTraining.run(file, QuantizedTrainableForm.factory(options, ProgressListener.NONE), data(), DistillOptions.recovery().withTraining(
                FineTuneOptions.defaults().withLearningRate(1e-20).withBatchSize(16).withMaxLength(16)), ProgressListener.NONE, List.of());
        assertThat(result.steps()).isEqualTo(3);
        OnnxModel ptq = new StaticInt8Quantizer().quantize(OnnxFiles.load(file), options, ProgressListener.NONE).model();
        OnnxModel qat = result.model();
        assertThat(qat.graph().nodes()).extracting(n -> n.opType() + n.inputs() + n.outputs())
                .containsExactlyElementsOf(ptq.graph().nodes().stream().map(n -> n.opType() + n.inputs() + n.outputs()).toList());
        assertThat(qat.graph().initializers().keySet()).containsExactlyInAnyOrderElementsOf(ptq.graph().initializers().keySet());
        assertSameInitializers(ptq, qat);
        assertThat(qat.metadata().get("nncj.steps")).contains("\"qat\"");
    }

    /** Dynamic int8 with uint8 weights (ONNX Runtime's exact kernel on every CPU), else its defaults. */
    private static QuantizeOptions dynamicInt8(boolean symmetric) {
        QuantizeOptions d = QuantizeOptions.defaults(QuantizationMode.DYNAMIC_INT8);
        return new QuantizeOptions(d.mode(), d.nodes(), d.perChannel(), symmetric, d.blockSize(), d.fp8Format(),
                Optional.empty(), false, true);
    }

    private static Map<String, Tensor> sentences(long[] ids) {
        int n = ids.length / 5;
        long[] ones = new long[ids.length];
        java.util.Arrays.fill(ones, 1);
        return Map.of("input_ids", Tensor.ofLongs("input_ids", new long[] {n, 5}, ids),
                "attention_mask", Tensor.ofLongs("attention_mask", new long[] {n, 5}, ones),
                "token_type_ids", Tensor.ofLongs("token_type_ids", new long[] {n, 5}, new long[ids.length]));
    }

    /**
     * Dynamic int8's training form computes what ONNX Runtime computes for the exported model: for one
     * sentence, the executor's logits of the fake-quantized graph against ORT's of the dynamic-int8
     * export (float summation order apart); for two sentences at once, each sentence's logits as when
     * it is alone, since the form ranges every sentence apart as a batch-1 run does.
     */
    @Test
    void dynamicFakeQuantForwardMatchesTheExportedModelOnOrtSentenceBySentence() throws Exception {
        QuantizeOptions options = dynamicInt8(false);
        Path file = classifier();
        OnnxModel fake = DynamicInt8Quantizer.fakeQuantized(OnnxFiles.load(file), options);
        OnnxModel export = new DynamicInt8Quantizer().quantize(OnnxFiles.load(file), options, ProgressListener.NONE).model();
        assertThat(fake.graph().nodes()).anyMatch(n -> n.opType().equals(DynamicInt8Quantizer.FAKE_QUANT_ACTIVATION))
                .anyMatch(n -> n.opType().equals(StaticInt8Quantizer.FAKE_QUANT_WEIGHT));
        long[] first = {2, 4, 5, 6, 3};
        long[] second = {2, 9, 3, 7, 3};
        double diff = 0;
        double quantizationEffect = 0;
        for (long[] ids : List.of(first, second)) {
            float[] ours = OrtReference.runExecutor(fake, sentences(ids)).get(ClassifierHead.LOGITS).toFloats();
            float[] ort = OrtReference.runOrt(export, sentences(ids)).get(ClassifierHead.LOGITS).toFloats();
            float[] fp32 = OrtReference.runOrt(OnnxFiles.load(file), sentences(ids)).get(ClassifierHead.LOGITS).toFloats();
            for (int i = 0; i < ort.length; i++) {
                diff = Math.max(diff, Math.abs(ours[i] - ort[i]));
                quantizationEffect = Math.max(quantizationEffect, Math.abs(fp32[i] - ort[i]));
            }
        }
        assertThat(diff).isLessThan(1e-4);
        assertThat(quantizationEffect).as("quantization must change the logits, or the comparison proves nothing")
                .isGreaterThan(10 * diff);
        long[] both = new long[10];
        System.arraycopy(first, 0, both, 0, 5);
        System.arraycopy(second, 0, both, 5, 5);
        float[] together = OrtReference.runExecutor(fake, sentences(both)).get(ClassifierHead.LOGITS).toFloats();
        float[] alone = OrtReference.runExecutor(fake, sentences(first)).get(ClassifierHead.LOGITS).toFloats();
        float[] alone2 = OrtReference.runExecutor(fake, sentences(second)).get(ClassifierHead.LOGITS).toFloats();
        float[] expected = new float[together.length];
        System.arraycopy(alone, 0, expected, 0, alone.length);
        System.arraycopy(alone2, 0, expected, alone.length, alone2.length);
        assertThat(together).containsExactly(expected, org.assertj.core.data.Offset.offset(1e-5f));
    }

    /** With a learning rate too small to move a weight, dynamic QAT's export is what dynamic-int8 quantization writes. */
    @Test
    void exportIsTheDynamicInt8Form() throws IOException {
        staticInt8(); // the tiny task's data and tokenizer
        QuantizeOptions options = dynamicInt8(true);
        Path file = classifier();
        var result = QuantizationAwareTraining.run(file, QuantizedTrainableForm.factory(options, ProgressListener.NONE), data(),
                DistillOptions.recovery().withTraining(FineTuneOptions.defaults().withLearningRate(1e-20).withBatchSize(16)
                        .withMaxLength(16)), ProgressListener.NONE, List.of());
        OnnxModel ptq = new DynamicInt8Quantizer().quantize(OnnxFiles.load(file), options, ProgressListener.NONE).model();
        OnnxModel qat = result.model();
        assertThat(qat.graph().nodes()).extracting(n -> n.opType() + n.inputs() + n.outputs())
                .containsExactlyElementsOf(ptq.graph().nodes().stream().map(n -> n.opType() + n.inputs() + n.outputs()).toList());
        assertSameInitializers(ptq, qat);
        assertThat(qat.metadata().get("nncj.steps")).contains("\"qat\"").contains("\"per_channel\"");
    }

    /** Integer tensors bit for bit, float ones within 1e-15 (AdamW's first steps move even a zero bias by about the learning rate). */
    private static void assertSameInitializers(OnnxModel ptq, OnnxModel qat) {
        for (Tensor t : ptq.graph().initializers().values()) {
            Tensor u = qat.graph().initializer(t.name()).orElseThrow();
            if (t.type() == DataType.FLOAT) {
                assertThat(u.toFloats()).as(t.name()).containsExactly(t.toFloats(), org.assertj.core.data.Offset.offset(1e-15f));
            } else {
                assertThat(u.rawData()).as(t.name()).isEqualTo(t.rawData());
            }
        }
    }

    /** Training moves the float weights, and the export carries them (not the untrained ones). */
    @Test
    void trainedWeightsReachTheExport() throws IOException {
        QuantizeOptions options = staticInt8();
        Path file = classifier();
        var result = QuantizationAwareTraining.run(file, QuantizedTrainableForm.factory(options, ProgressListener.NONE), data(), DistillOptions.recovery().withSoftWeight(0)
                .withTraining(FineTuneOptions.defaults().withLearningRate(1e-2).withBatchSize(8).withMaxLength(16)),
                ProgressListener.NONE, List.of());
        OnnxModel ptq = new StaticInt8Quantizer().quantize(OnnxFiles.load(file), options, ProgressListener.NONE).model();
        long changed = ptq.graph().initializers().values().stream()
                .filter(t -> !t.rawData().equals(result.model().graph().initializer(t.name()).orElseThrow().rawData()))
                .count();
        assertThat(changed).isGreaterThan(0);
        assertThat(result.losses()).hasSize(6).allMatch(Double::isFinite);
    }

    @Test
    void aBareEncoderIsRefusedNamingTheFile() throws IOException {
        QuantizeOptions options = staticInt8();
        Path encoder = dir.resolve("encoder.onnx");
        OnnxFiles.save(TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L), false), encoder);
        assertThatThrownBy(() -> QuantizationAwareTraining.run(encoder, QuantizedTrainableForm.factory(options, ProgressListener.NONE), data(), DistillOptions.recovery(),
                ProgressListener.NONE, List.of()))
                .isInstanceOf(NncjException.class).hasMessageContaining("encoder.onnx").hasMessageContaining("needs a classifier");
    }
}
