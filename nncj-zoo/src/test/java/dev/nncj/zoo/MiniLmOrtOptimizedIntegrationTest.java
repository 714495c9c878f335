package dev.nncj.zoo;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtSession;
import dev.nncj.ProgressListener;
import dev.nncj.data.EncodedBatch;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.TextTokenizer;
import dev.nncj.eval.TextModelSession;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.runtime.OrtSessions;
import dev.nncj.runtime.RuntimeOptions;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.HeadPlan;
import dev.nncj.transformer.MagnitudeImportance;
import dev.nncj.transformer.OrtFusedEncoders;
import dev.nncj.transformer.StructuredPruneOptions;
import dev.nncj.transformer.StructuredPruner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * all-MiniLM-L6-v2 as ONNX Runtime's C++ optimizer saves it at EXTENDED (its highest level whose
 * saved model runs on any CPU and any input shape), lifted, re-emitted and pruned.
 */
class MiniLmOrtOptimizedIntegrationTest {
    @TempDir
    Path dir;

    @Test
    void liftsTheOrtOptimizedMiniLmReemitsItOnRealSentencesAndPrunesIt() throws Exception {
        ModelZoo.Fetched minilm = ModelZoo.get("all-minilm-l6-v2", dir.resolve("minilm"), ProgressListener.NONE);
        Path optimized = dir.resolve("minilm-ort-extended.onnx");
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
            options.setOptimizedModelFilePath(optimized.toString());
            OrtSessions.environment().createSession(minilm.modelFile().toString(), options).close();
        }
        OnnxModel model = OnnxFiles.load(optimized);
        Map<String, Integer> ops = new TreeMap<>();
        model.graph().nodes().forEach(n -> ops.merge(n.opType(), 1, Integer::sum));
        System.out.println("MiniLM after ORT EXTENDED: " + ops);
        assertThat(model.graph().nodes()).extracting(Node::opType).contains("BiasGelu", "FusedMatMul", "LayerNormalization");

        EncoderLifter.Result read = EncoderLifter.tryLift(model);
        System.out.println("MiniLM after ORT EXTENDED read as: " + read.forms());
        assertThat(read.reason()).isEmpty();
        EncoderSpec spec = read.spec().orElseThrow();
        assertThat(spec.layers()).hasSize(6);
        assertThat(spec.parameterCount()).isEqualTo(22_565_376L);

        Path emitted = dir.resolve("roundtrip.onnx");
        OnnxFiles.save(EncoderEmitter.emit(spec, EmitOptions.defaults()), emitted);
        // the first 320 SST-2 test sentences (10 batches): three sessions over all 872 take minutes on a loaded CI box
        List<String> sentences = SentenceFile.read(MiniLmIntegrationTest.SST2_TEST).subList(0, 320);
        double[] diffs = new double[2];
        try (TextTokenizer tokenizer = TextTokenizer.load(minilm.tokenizerFile());
             TextModelSession export = new TextModelSession(minilm.modelFile(), RuntimeOptions.defaults(), Optional.empty());
             TextModelSession ort = new TextModelSession(optimized, RuntimeOptions.defaults(), Optional.empty());
             TextModelSession copy = new TextModelSession(emitted, RuntimeOptions.defaults(), Optional.empty())) {
            for (int i = 0; i < sentences.size(); i += 32) {
                EncodedBatch batch = tokenizer.encode(sentences.subList(i, Math.min(sentences.size(), i + 32)));
                float[] a = export.run(batch).data();
                float[] o = ort.run(batch).data();
                float[] c = copy.run(batch).data();
                for (int j = 0; j < a.length; j++) {
                    diffs[0] = Math.max(diffs[0], Math.abs(a[j] - c[j]));
                    diffs[1] = Math.max(diffs[1], Math.abs(o[j] - c[j]));
                }
            }
        }
        System.out.printf("MiniLM (ORT EXTENDED) lift-emit: max abs diff %.3g to the export, %.3g to the optimized"
                + " file, over %d SST-2 test sentences%n", diffs[0], diffs[1], sentences.size());
        assertThat(diffs[0]).isLessThanOrEqualTo(1e-4);
        assertThat(diffs[1]).isLessThanOrEqualTo(1e-4);

        // the Python optimizer's form (EmbedLayerNormalization, Attention with a 1-D mask index,
        // SkipLayerNormalization with the biases, BiasGelu), written from the lifted spec
        OnnxModel pythonForm = OrtFusedEncoders.write(spec, OrtFusedEncoders.Form.bert());
        EncoderLifter.Result readPython = EncoderLifter.tryLift(pythonForm);
        System.out.println("MiniLM in the Python optimizer's form read as: " + readPython.forms());
        assertThat(readPython.reason()).isEmpty();
        assertThat(readPython.spec().orElseThrow().parameterCount()).isEqualTo(22_565_376L);
        Path pythonFile = dir.resolve("python-form.onnx");
        Path pythonEmitted = dir.resolve("python-form-roundtrip.onnx");
        OnnxFiles.save(pythonForm, pythonFile);
        OnnxFiles.save(EncoderEmitter.emit(readPython.spec().get(), EmitOptions.defaults()), pythonEmitted);
        double[] pythonDiffs = new double[2];
        try (TextTokenizer tokenizer = TextTokenizer.load(minilm.tokenizerFile());
             TextModelSession export = new TextModelSession(minilm.modelFile(), RuntimeOptions.defaults(), Optional.empty());
             TextModelSession fused = new TextModelSession(pythonFile, RuntimeOptions.defaults(), Optional.empty());
             TextModelSession copy = new TextModelSession(pythonEmitted, RuntimeOptions.defaults(), Optional.empty())) {
            for (int i = 0; i < 64; i += 32) {
                EncodedBatch batch = tokenizer.encode(sentences.subList(i, i + 32));
                float[] a = export.run(batch).data();
                float[] f = fused.run(batch).data();
                float[] c = copy.run(batch).data();
                int[] real = realPositions(batch, a.length);
                for (int j : real) {
                    pythonDiffs[0] = Math.max(pythonDiffs[0], Math.abs(a[j] - f[j]));
                    pythonDiffs[1] = Math.max(pythonDiffs[1], Math.abs(a[j] - c[j]));
                }
            }
        }
        System.out.printf("MiniLM in the Python optimizer's form: max abs diff %.3g to the export; lifted and re-emitted:"
                + " %.3g to the export (real tokens of 64 SST-2 test sentences)%n", pythonDiffs[0], pythonDiffs[1]);
        assertThat(pythonDiffs[1]).isLessThanOrEqualTo(1e-4);

        // as for the export: per head 3 * (384*32 + 32) + 32*384 = 49,248, per neuron 769
        var pruned = StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.empty(),
                new HeadPlan.Fraction(0.5), 0.5, new MagnitudeImportance()));
        long expected = 6L * (6 * 49_248 + 768 * 769);
        assertThat(EncoderEmitter.emit(pruned.spec(), EmitOptions.defaults()).graph().parameterCount())
                .isEqualTo(22_565_376L - expected);
    }

    /** Flat indexes of the hidden-state elements of real (unpadded) tokens. */
    private static int[] realPositions(EncodedBatch batch, int length) {
        long[][] mask = batch.attentionMask();
        int seq = batch.sequenceLength();
        int width = length / (mask.length * seq);
        return java.util.stream.IntStream.range(0, length)
                .filter(j -> mask[j / (seq * width)][(j / width) % seq] == 1).toArray();
    }
}
