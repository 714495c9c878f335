package dev.nncj.train.pruning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.train.execution.OrtReference;
import dev.nncj.train.finetune.ClassifierHead;
import dev.nncj.train.finetune.FineTunerTest;
import dev.nncj.train.finetune.TextBatches;
import dev.nncj.train.trainer.Batch;
import dev.nncj.transformer.AttentionSpec;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLayer;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.Linear;
import dev.nncj.transformer.StructuredPruneOptions;
import dev.nncj.transformer.StructuredPruner;
import dev.nncj.transformer.HeadPlan;
import dev.nncj.transformer.MagnitudeImportance;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GradientImportanceTest {
    @TempDir
    Path dir;

    private static final Map<String, Tensor> TEXT = Map.of(
            "input_ids", Tensor.ofLongs("input_ids", new long[] {2, 5}, 2, 4, 5, 6, 3, 2, 9, 3, 1, 1),
            "attention_mask", Tensor.ofLongs("attention_mask", new long[] {2, 5}, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0),
            "token_type_ids", Tensor.ofLongs("token_type_ids", new long[] {2, 5}, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0));

    private static EncoderSpec tinySpec() {
        return EncoderLifter.lift(TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false), Path.of("tiny.onnx"));
    }

    /** The masked emission fed with per-layer mask rows [2, width] of {@code value}, except the given overrides. */
    private static Map<String, Tensor> inputs(EncoderSpec spec, Map<String, float[]> overrides) {
        Map<String, Tensor> in = new HashMap<>(TEXT);
        for (int i = 0; i < spec.layers().size(); i++) {
            for (String name : List.of(EmitOptions.headMaskInput(i), EmitOptions.neuronMaskInput(i))) {
                int width = name.endsWith("head_mask") ? spec.layers().get(i).attention().heads() : spec.layers().get(i).ffn().width();
                float[] row = overrides.getOrDefault(name, ones(width));
                float[] both = new float[2 * width];
                System.arraycopy(row, 0, both, 0, width);
                System.arraycopy(row, 0, both, width, width);
                in.put(name, Tensor.ofFloats(name, new long[] {2, width}, both));
            }
        }
        return in;
    }

    private static float[] ones(int n) {
        float[] f = new float[n];
        java.util.Arrays.fill(f, 1f);
        return f;
    }

    /** Masks of ones compute the encoder exactly (x * 1 is exact); a zero head mask equals removing the head. */
    @Test
    void onesReproduceTheEncoderAndAZeroHeadMaskEqualsPruningIt() throws Exception {
        EncoderSpec spec = tinySpec();
        OnnxModel plain = EncoderEmitter.emit(spec, EmitOptions.defaults());
        OnnxModel masked = EncoderEmitter.emit(spec, EmitOptions.defaults().withUnitMasks());
        float[] expected = OrtReference.runOrt(plain, TEXT).get("last_hidden_state").toFloats();
        float[] withOnes = OrtReference.runOrt(masked, inputs(spec, Map.of())).get("last_hidden_state").toFloats();
        assertThat(withOnes).containsExactly(expected);

        // layer 0 without head 0: masked to zero vs physically removed by the pruner
        float[] zeroFirst = OrtReference.runOrt(masked, inputs(spec, Map.of(EmitOptions.headMaskInput(0), new float[] {0, 1})))
                .get("last_hidden_state").toFloats();
        EncoderSpec pruned = StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.empty(),
                new HeadPlan.PerLayer(List.of(1, 2)), 0, keepingHead(1))).spec();
        float[] removed = OrtReference.runOrt(EncoderEmitter.emit(pruned, EmitOptions.defaults()), TEXT)
                .get("last_hidden_state").toFloats();
        assertThat(maxAbsDiff(zeroFirst, removed)).isLessThan(1e-5);
        assertThat(maxAbsDiff(zeroFirst, expected)).isGreaterThan(1e-3); // the head mattered: the check can fail
    }

    /** Scores that rank head {@code keep} of layer 0 first (magnitude elsewhere). */
    private static dev.nncj.transformer.ImportanceScorer keepingHead(int keep) {
        return new dev.nncj.transformer.ImportanceScorer() {
            @Override
            public String name() {
                return "test";
            }

            @Override
            public dev.nncj.transformer.ImportanceScores score(EncoderSpec s) {
                var m = new MagnitudeImportance().score(s);
                List<double[]> heads = new ArrayList<>(m.heads());
                double[] first = new double[heads.get(0).length];
                first[keep] = 1;
                heads.set(0, first);
                return new dev.nncj.transformer.ImportanceScores(heads, m.neurons());
            }
        };
    }

    /**
     * On a lifted classifier (tiny encoder + mean pooling + Gemm head) whose layer 0 head 1 is dead
     * (its rows of the output projection zero, so it adds nothing): the dead head scores 0, the live
     * head of its layer scores 1 after the per-layer L2 normalization, and every unit of the other
     * layer scores above 0.
     */
    @Test
    void ranksALiveHeadAboveADeadOneOnALiftedClassifier() throws IOException {
        OnnxModel classifier = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        ClassifierHead.attach(classifier, "last_hidden_state", 2, 3);
        EncoderSpec spec = withDeadHead(EncoderLifter.lift(classifier, Path.of("clf.onnx")), 0, 1);
        TinyTokenizer.write(dir);
        TextClassificationDataset data = TextClassificationDataset.load(FineTunerTest.catsAndDogs(dir.resolve("train.tsv"), 24, 5));
        var scores = new GradientImportance(data, dir.resolve("tokenizer.json"), 8, 16, ClassifierHead.LOGITS,
                ProgressListener.NONE).score(spec);
        assertThat(scores.heads().get(0)[1]).isZero();
        assertThat(scores.heads().get(0)[0]).isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(java.util.Arrays.stream(scores.heads().get(1)).min().orElseThrow()).isGreaterThan(0);
        assertThat(scores.neurons().get(0)).hasSize(spec.layers().get(0).ffn().width());
        assertThat(java.util.Arrays.stream(scores.neurons().get(1)).max().orElseThrow()).isGreaterThan(0);
    }

    /**
     * E|dL/dmask| from PyTorch's autograd ({@link MaskGradients}) against central finite differences
     * of the same cross-entropy computed from ONNX Runtime's logits, on every head and neuron of
     * both layers of a tiny classifier. A mask input is one row per example, so moving unit u's mask
     * in all rows of a batch moves each example's loss by its own derivative; the reference takes
     * |(L(1 + h) - L(1 - h)) / 2h| per example and averages, as Michel et al.'s eq. 2 does.
     */
    @Test
    void maskGradientsMatchFiniteDifferencesOfTheLoss() throws Exception {
        OnnxModel classifier = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        ClassifierHead.attach(classifier, "last_hidden_state", 2, 3);
        OnnxModel masked = EncoderEmitter.emit(EncoderLifter.lift(classifier, Path.of("clf.onnx")),
                EmitOptions.defaults().withUnitMasks());
        TinyTokenizer.write(dir);
        TextClassificationDataset data = TextClassificationDataset.load(FineTunerTest.catsAndDogs(dir.resolve("train.tsv"), 6, 5));
        List<String> masks = List.of(EmitOptions.headMaskInput(0), EmitOptions.neuronMaskInput(0),
                EmitOptions.headMaskInput(1), EmitOptions.neuronMaskInput(1));
        List<String> text = masked.graph().inputs().stream().map(v -> v.getName()).filter(n -> !masks.contains(n)).toList();
        List<Batch> batches;
        try (TextTokenizer tokenizer = TextTokenizer.load(dir.resolve("tokenizer.json"))) {
            batches = TextBatches.of(data, tokenizer, 3, text);
        }
        Map<String, double[]> autograd = MaskGradients.measure(masked, masks, ClassifierHead.LOGITS, batches,
                ProgressListener.NONE);

        float up = 1.01f;
        float down = 0.99f;
        double step = (double) up - down; // 2h as the floats hold it
        Map<String, Integer> widths = new java.util.LinkedHashMap<>();
        masks.forEach(m -> widths.put(m, autograd.get(m).length));
        try (ai.onnxruntime.OrtSession session = dev.nncj.runtime.OrtSessions.environment()
                .createSession(dev.nncj.onnx.OnnxFiles.toBytes(masked))) {
            for (String mask : masks) {
                int width = widths.get(mask);
                double[] expected = new double[width];
                for (Batch batch : batches) {
                    for (int u = 0; u < width; u++) {
                        double[] above = losses(session, batch, widths, mask, u, up);
                        double[] below = losses(session, batch, widths, mask, u, down);
                        for (int r = 0; r < batch.size(); r++) {
                            expected[u] += Math.abs(above[r] - below[r]) / step / data.size();
                        }
                    }
                }
                // ORT's float32 logits carry ~1e-7 relative rounding, which the division by 2h = 0.02
                // turns into at most ~1e-5 of noise; truncation is O(h^2) = 1e-4 relative. Measured:
                // at most 8e-7 apart, on scores from 2e-5 to 0.08.
                for (int u = 0; u < width; u++) {
                    assertThat(autograd.get(mask)[u]).as("%s[%d]", mask, u)
                            .isCloseTo(expected[u], org.assertj.core.data.Offset.offset(1e-5 + 1e-3 * expected[u]));
                }
                assertThat(java.util.Arrays.stream(expected).max().orElseThrow()).as("%s: the loss moves", mask)
                        .isGreaterThan(1e-3);
            }
        }
    }

    /** Each example's cross-entropy from ONNX Runtime's logits, every mask 1 except unit {@code unit} of {@code moved}. */
    private static double[] losses(ai.onnxruntime.OrtSession session, Batch batch, Map<String, Integer> widths,
            String moved, int unit, float value) throws Exception {
        int rows = batch.size();
        Map<String, Tensor> in = new HashMap<>(batch.inputs());
        widths.forEach((mask, width) -> {
            float[] values = new float[rows * width];
            java.util.Arrays.fill(values, 1f);
            for (int r = 0; mask.equals(moved) && r < rows; r++) {
                values[r * width + unit] = value;
            }
            in.put(mask, Tensor.ofFloats(mask, new long[] {rows, width}, values));
        });
        float[] logits = OrtReference.run(session, in).get(ClassifierHead.LOGITS).toFloats();
        int classes = logits.length / rows;
        double[] loss = new double[rows];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, logits[r * classes + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(logits[r * classes + c] - max);
            }
            loss[r] = max + Math.log(sum) - logits[r * classes + (int) batch.labels()[r]];
        }
        return loss;
    }

    /** An encoder without a task head has no loss to differentiate: refused, saying what is needed. */
    @Test
    void aBareEncoderIsRefusedNamingWhatItNeeds() throws IOException {
        TinyTokenizer.write(dir);
        TextClassificationDataset data = TextClassificationDataset.load(FineTunerTest.catsAndDogs(dir.resolve("train.tsv"), 8, 5));
        GradientImportance scorer = new GradientImportance(data, dir.resolve("tokenizer.json"), 8, 16, "logits",
                ProgressListener.NONE);
        assertThatThrownBy(() -> scorer.score(tinySpec())).isInstanceOf(NncjException.class)
                .hasMessageContaining("needs a classifier").hasMessageContaining("bare encoder");
    }

    /** Layer {@code layer}'s head {@code head} made dead: its rows of Wo zeroed. */
    private static EncoderSpec withDeadHead(EncoderSpec spec, int layer, int head) {
        EncoderLayer l = spec.layers().get(layer);
        AttentionSpec a = l.attention();
        float[] wo = a.output().weight().toFloats();
        int out = a.output().out();
        for (int r = head * a.headSize(); r < (head + 1) * a.headSize(); r++) {
            java.util.Arrays.fill(wo, r * out, (r + 1) * out, 0f);
        }
        Linear dead = new Linear(Tensor.ofFloats(a.output().weight().name(), a.output().weight().shape(), wo), a.output().bias());
        List<EncoderLayer> layers = new ArrayList<>(spec.layers());
        layers.set(layer, l.withAttention(new AttentionSpec(a.heads(), a.headSize(), a.query(), a.key(), a.value(), dead, a.scale())));
        return spec.withLayers(layers);
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
