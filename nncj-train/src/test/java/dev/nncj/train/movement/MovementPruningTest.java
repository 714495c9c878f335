package dev.nncj.train.movement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.train.distill.DistillFixtures;
import dev.nncj.train.distill.DistillOptions;
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.execution.OrtReference;
import dev.nncj.train.finetune.ClassifierHead;
import dev.nncj.train.finetune.FineTuneOptions;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Movement pruning end to end on a tiny 2-layer classifier (hidden 8, 2 heads of 4, FFN 16: 1024
 * encoder weights) and the cats-and-dogs data: 64 rows in batches of 16 for 2 epochs is 8 steps,
 * 1 of warm-up and 2 of cool-down.
 */
class MovementPruningTest {
    @TempDir
    Path dir;

    private Path teacher;

    @BeforeEach
    void fixtures() throws IOException {
        DistillFixtures.data(dir);
        teacher = DistillFixtures.encoderClassifier(dir, "teacher.onnx", List.of(0, 1), 5);
    }

    private static MovementOptions options(double remaining, BlockStructure block) {
        FineTuneOptions training = FineTuneOptions.defaults().withBatchSize(16).withMaxLength(16).withEpochs(2)
                .withLearningRate(1e-3).withEvalEvery(1);
        return MovementOptions.defaults(remaining).withBlock(block).withDistill(DistillOptions.recovery().withTraining(training));
    }

    private static final Map<String, Tensor> INPUTS = Map.of(
            "input_ids", Tensor.ofLongs("input_ids", new long[] {2, 5}, 2, 4, 5, 6, 3, 2, 9, 3, 0, 0),
            "attention_mask", Tensor.ofLongs("attention_mask", new long[] {2, 5}, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0),
            "token_type_ids", Tensor.ofLongs("token_type_ids", new long[] {2, 5}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));

    /**
     * The saved model, run by ONNX Runtime, computes what the trained training graph computes with
     * its masks at the final fraction: the export neither loses nor adds anything. Tolerance 1e-4:
     * float summation order only (ORT fuses and reorders the products).
     */
    private double exportAgainstTraining(MovementPruning.Result result, double remaining) throws Exception {
        Path out = dir.resolve("pruned.onnx");
        OnnxFiles.save(result.model(), out);
        int scores = (int) result.trainingModel().graph().initializers().keySet().stream()
                .filter(n -> n.endsWith(MovementScores.SUFFIX)).count();
        float[] ort = OrtReference.runOrt(OnnxFiles.load(out), INPUTS).get(ClassifierHead.LOGITS).toFloats();
        float[] training;
        try (ScoreMasks masks = ScoreMasks.fixed(remaining)) {
            training = OrtReference.runExecutor(result.trainingModel(), ExecutorOptions.defaults().withOps(masks.registry(scores)),
                    INPUTS).get(ClassifierHead.LOGITS).toFloats();
        }
        double diff = 0;
        for (int i = 0; i < ort.length; i++) {
            diff = Math.max(diff, Math.abs(ort[i] - training[i]));
        }
        return diff;
    }

    /**
     * 30% of 1024 weights kept: round(307.2) = 307 non-zeros, the other 717 stored as zeros; only
     * evaluations in the cool-down (steps 6..8) can be kept as the best.
     */
    @Test
    void unstructuredKeepsTheScheduledFractionStoredSparsely() throws Exception {
        var result = MovementPruning.run(teacher, options(0.3, BlockStructure.NONE), DistillFixtures.trainAndDev(dir),
                ProgressListener.NONE, List.of());
        assertThat(result.steps()).isEqualTo(8);
        assertThat(result.encoderWeights()).isEqualTo(1024);
        assertThat(result.scoredWeights()).isEqualTo(1024);
        assertThat(result.remainingWeights()).isEqualTo(307);
        assertThat(result.sparsity().orElseThrow().zeros()).isEqualTo(1024 - 307);
        assertThat(result.sparsity().orElseThrow().storedSparse()).isPositive();
        assertThat(result.keptStep()).isGreaterThanOrEqualTo(6);
        assertThat(result.model().metadata().get("nncj.steps")).contains("\"movement\"");
        assertThat(exportAgainstTraining(result, 0.3)).isLessThan(1e-4);
    }

    /** Half the FFN's weights: 16 of the 32 neurons go, physically; attention is untouched. */
    @Test
    void maskedNeuronsAreRemoved() throws Exception {
        var result = MovementPruning.run(teacher, options(0.5, BlockStructure.NEURON), DistillFixtures.trainAndDev(dir),
                ProgressListener.NONE, List.of());
        EncoderSpec spec = EncoderLifter.lift(result.model(), Path.of("pruned"));
        int width = spec.layers().stream().mapToInt(l -> l.ffn().width()).sum();
        long emptyLayers = result.notes().stream().filter(n -> n.contains("every neuron")).count();
        assertThat(width).isEqualTo(16 + (int) emptyLayers);
        assertThat(result.removedNeurons()).isEqualTo(32 - width);
        assertThat(spec.layers()).allMatch(l -> l.attention().heads() == 2);
        assertThat(result.parametersAfter()).isLessThan(result.parametersBefore());
        // the scored FFN weights are 512; half stays, the 512 attention weights are not scored
        assertThat(result.scoredWeights()).isEqualTo(512);
        assertThat(result.remainingWeights()).isEqualTo(512 + 256);
        assertThat(exportAgainstTraining(result, 0.5)).isLessThan(1e-4);
    }

    /** Heads and neurons together: of 4 heads 2 stay, of 32 neurons 16 stay, all of them physically. */
    @Test
    void maskedHeadsAreRemoved() throws Exception {
        var result = MovementPruning.run(teacher, options(0.5, BlockStructure.HEAD_NEURON), DistillFixtures.trainAndDev(dir),
                ProgressListener.NONE, List.of());
        EncoderSpec spec = EncoderLifter.lift(result.model(), Path.of("pruned"));
        int heads = spec.layers().stream().mapToInt(l -> l.attention().heads()).sum();
        int width = spec.layers().stream().mapToInt(l -> l.ffn().width()).sum();
        long keptEmpty = result.notes().stream().filter(n -> n.contains("one is kept")).count();
        // a head stands for 4 * 8 * 4 = 128 weights, a neuron for 16: 2 heads and 16 neurons fill the 512 of 1024 exactly
        assertThat(heads + width).isEqualTo(2 + 16 + (int) keptEmpty);
        assertThat(result.removedHeads() + result.removedNeurons()).isEqualTo(4 + 32 - heads - width);
        assertThat(result.remainingWeights()).isEqualTo(512);
        assertThat(exportAgainstTraining(result, 0.5)).isLessThan(1e-4);
    }

    @Test
    void aBareEncoderOrAnEmptySelectionIsRefusedNamingTheFile() {
        Path encoder = dir.resolve("encoder.onnx");
        OnnxFiles.save(TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L), false), encoder);
        assertThatThrownBy(() -> MovementPruning.run(encoder, options(0.5, BlockStructure.NONE), DistillFixtures.trainAndDev(dir),
                ProgressListener.NONE, List.of())).isInstanceOf(NncjException.class)
                .hasMessageContaining("encoder.onnx").hasMessageContaining("classifier");
        MovementOptions none = options(0.5, BlockStructure.NONE).withFilter(new NodeFilter(List.of("Conv"), List.of()));
        assertThatThrownBy(() -> MovementPruning.run(teacher, none, DistillFixtures.trainAndDev(dir), ProgressListener.NONE,
                List.of())).isInstanceOf(NncjException.class).hasMessageContaining("teacher.onnx")
                .hasMessageContaining("no encoder weight");
    }
}
