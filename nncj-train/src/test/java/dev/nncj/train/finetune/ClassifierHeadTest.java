package dev.nncj.train.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TinyModels;
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.execution.OrtReference;
import dev.nncj.train.trainer.Batch;
import dev.nncj.train.trainer.ClassificationAccuracy;
import dev.nncj.train.trainer.Loss;
import dev.nncj.train.trainer.Trainer;
import dev.nncj.train.trainer.TrainerOptions;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.TinyEncoders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifierHeadTest {
    @TempDir
    Path dir;

    private static Map<String, Tensor> inputs(long[] ids, long[] mask, int rows) {
        long[] shape = {rows, ids.length / rows};
        return Map.of("input_ids", Tensor.ofLongs("input_ids", shape, ids),
                "attention_mask", Tensor.ofLongs("attention_mask", shape, mask),
                "token_type_ids", Tensor.ofLongs("token_type_ids", shape, new long[ids.length]));
    }

    /**
     * The head pools only unmasked positions: a sentence's logits are the same alone and padded in
     * a batch (in ONNX Runtime), and the executor agrees with ONNX Runtime on the new graph.
     */
    @Test
    void poolingIgnoresPaddingAndOrtAgrees() throws Exception {
        OnnxModel model = TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0.3f);
        ClassifierHead.attach(model, "last_hidden_state", 3, 1);
        assertThat(model.graph().outputs()).extracting(v -> v.getName()).containsExactly("logits");
        Map<String, Tensor> alone = inputs(new long[] {2, 5, 3}, new long[] {1, 1, 1}, 1);
        Map<String, Tensor> padded = inputs(new long[] {2, 5, 3, 1, 1, 2, 9, 6, 7, 3}, new long[] {1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, 2);
        float[] a = OrtReference.runOrt(model, alone).get("logits").toFloats();
        float[] b = OrtReference.runOrt(model, padded).get("logits").toFloats();
        assertThat(java.util.Arrays.copyOf(b, 3)).containsExactly(a, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(java.util.Arrays.copyOfRange(b, 3, 6)).isNotEqualTo(a);
        assertThat(OrtReference.maxAbsDiff(model, padded)).isLessThanOrEqualTo(1e-6);
    }

    /** Encoder + head fine-tuned on text batches; ONNX Runtime predicts with the written-back weights. */
    @Test
    void anEncoderWithTheHeadFineTunesAndOrtPredictsTheSame() throws Exception {
        Path tsv = dir.resolve("train.tsv");
        Files.writeString(tsv, """
                sentence\tlabel
                the cat sat\t1
                a dog\t0
                the cat on the mat\t1
                the dog sat on a mat\t0
                cats\t1
                dogs .\t0
                """);
        OnnxModel model = TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0.3f);
        ClassifierHead.attach(model, "last_hidden_state", 2, 4);
        TrainerOptions options = new TrainerOptions(0.05, 0, 0.9, 0.999, 1e-8, 5, 120, 1.0, 2);
        try (TextTokenizer tokenizer = TextTokenizer.load(TinyTokenizer.write(dir), TokenizerOptions.defaults());
                OnnxExecutor executor = OnnxExecutor.create(model, ExecutorOptions.defaults())) {
            List<Batch> batches = TextBatches.of(TextClassificationDataset.load(tsv), tokenizer, 2, executor.inputNames());
            ClassificationAccuracy accuracy = new ClassificationAccuracy(batches, ClassifierHead.LOGITS);
            try (Trainer trainer = new Trainer(executor, Loss.softmaxCrossEntropy(ClassifierHead.LOGITS), options, List.of())) {
                trainer.fit(batches, 1000);
            }
            assertThat(accuracy.evaluate(executor)).isEqualTo(1.0);
            executor.writeParameters(model);
            for (Batch batch : batches) {
                float[] logits = OrtReference.runOrt(model, batch.inputs()).get("logits").toFloats();
                for (int i = 0; i < batch.size(); i++) {
                    int predicted = logits[2 * i + 1] > logits[2 * i] ? 1 : 0;
                    assertThat(predicted).isEqualTo(batch.labels()[i]);
                }
            }
        }
    }

    @Test
    void aModelWithoutAMaskOrHiddenStatesIsRefused() {
        assertThatThrownBy(() -> ClassifierHead.attach(TinyModels.linearRelu(), "y", 2, 1))
                .isInstanceOf(NncjException.class).hasMessageContaining("must be [batch, sequence, hidden]");
        assertThatThrownBy(() -> ClassifierHead.attach(TinyModels.tokenEmbedder(14, 0), "nope", 2, 1))
                .isInstanceOf(NncjException.class).hasMessageContaining("has no output nope");
    }

    /**
     * A classifier on an opset-11 encoder lifts with its head, and keeps it through surgery: the
     * emitter (opset 17) rewrites the head's ReduceSum/Unsqueeze axes from attributes to inputs.
     */
    @Test
    void theClassifierLiftsWithItsHeadAndSurvivesEmission() throws Exception {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH);
        ClassifierHead.attach(model, "last_hidden_state", 3, 7);
        EncoderSpec spec = EncoderLifter.lift(model, dir.resolve("clf.onnx"));
        assertThat(spec.head()).isPresent();

        OnnxModel emitted = EncoderEmitter.emit(spec, EmitOptions.defaults());
        Map<String, Tensor> batch = inputs(new long[] {2, 5, 3, 1, 2, 9, 6, 3}, new long[] {1, 1, 1, 0, 1, 1, 1, 1}, 2);
        float[] expected = OrtReference.runOrt(model, batch).get("logits").toFloats();
        assertThat(OrtReference.runOrt(emitted, batch).get("logits").toFloats())
                .containsExactly(expected, org.assertj.core.data.Offset.offset(1e-5f));
        OnnxModel oneLayer = EncoderEmitter.emit(spec.withLayers(spec.layers().subList(0, 1)), EmitOptions.defaults());
        assertThat(OrtReference.runOrt(oneLayer, batch).get("logits").toFloats()).hasSize(6);
    }
}
