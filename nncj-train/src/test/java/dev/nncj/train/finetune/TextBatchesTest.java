package dev.nncj.train.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.TinyModels;
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.trainer.Batch;
import dev.nncj.train.trainer.ClassificationAccuracy;
import dev.nncj.train.trainer.Loss;
import dev.nncj.train.trainer.StepResult;
import dev.nncj.train.trainer.Trainer;
import dev.nncj.train.trainer.TrainerOptions;
import dev.nncj.train.trainer.TrainingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextBatchesTest {
    @TempDir
    Path dir;

    private TextClassificationDataset data() throws Exception {
        Path tsv = dir.resolve("train.tsv");
        Files.writeString(tsv, """
                sentence\tlabel
                the cat\t1
                a dog\t0
                the cat sat on the mat . the cat sat on the mat\t1
                the dog sat\t0
                """);
        return TextClassificationDataset.load(tsv);
    }

    /** Each batch is padded to its own longest sentence, with [PAD] ids and a zero mask. */
    @Test
    void batchesArePaddedToTheirOwnLongestExample() throws Exception {
        try (TextTokenizer tokenizer = TextTokenizer.load(TinyTokenizer.write(dir), TokenizerOptions.defaults())) {
            List<Batch> batches = TextBatches.of(data(), tokenizer, 2, List.of("input_ids", "attention_mask"));
            assertThat(batches).hasSize(2);
            assertThat(batches.get(0).inputs()).containsOnlyKeys("input_ids", "attention_mask");
            // [CLS] the cat [SEP] and [CLS] a dog [SEP]: width 4, no padding
            assertThat(batches.get(0).inputs().get("input_ids").shape()).containsExactly(2, 4);
            assertThat(batches.get(0).inputs().get("input_ids").toLongs()).containsExactly(2, 4, 5, 3, 2, 11, 9, 3);
            // 13 tokens + 2 specials; "the dog sat" is padded with [PAD] (1) and mask 0
            assertThat(batches.get(1).inputs().get("input_ids").shape()).containsExactly(2, 15);
            long[] mask = batches.get(1).inputs().get("attention_mask").toLongs();
            assertThat(java.util.Arrays.copyOfRange(mask, 15, 30)).containsExactly(1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
            assertThat(batches.get(1).inputs().get("input_ids").toLongs()[29]).isEqualTo(1);
            assertThat(batches.get(0).labels()).containsExactly(1, 0);
            assertThat(batches.get(1).labels()).containsExactly(1, 0);
        }
    }

    /** The bag-of-words classifier, its table zeroed, learns cat vs dog from these batches. */
    @Test
    void aTextClassifierTrainsOnThem() throws Exception {
        OnnxModel model = TinyModels.bagOfWordsClassifier(TinyTokenizer.VOCABULARY_SIZE);
        model.graph().replaceInitializer(dev.nncj.onnx.Tensor.ofFloats("embeddings.word_embeddings.weight",
                new long[] {TinyTokenizer.VOCABULARY_SIZE, 2}, new float[TinyTokenizer.VOCABULARY_SIZE * 2]));
        try (TextTokenizer tokenizer = TextTokenizer.load(TinyTokenizer.write(dir), TokenizerOptions.defaults());
                OnnxExecutor executor = OnnxExecutor.create(model, ExecutorOptions.defaults())) {
            List<Batch> batches = TextBatches.of(data(), tokenizer, 2, executor.inputNames());
            List<StepResult> log = new ArrayList<>();
            TrainerOptions options = new TrainerOptions(0.2, 0, 0.9, 0.999, 1e-8, 0, 100, 1.0, 1);
            try (Trainer trainer = new Trainer(executor, Loss.softmaxCrossEntropy("logits"), options,
                    List.of(new TrainingListener() {
                        @Override
                        public void onStep(StepResult result) {
                            log.add(result);
                        }
                    }))) {
                trainer.fit(batches, 100);
            }
            assertThat(log.get(0).loss()).isCloseTo(Math.log(2), org.assertj.core.data.Offset.offset(1e-6));
            assertThat(log.get(log.size() - 1).loss()).isLessThan(0.1 * Math.log(2));
            assertThat(new ClassificationAccuracy(batches, "logits").evaluate(executor)).isEqualTo(1.0);
        }
    }

    @Test
    void inputsATextBatchCannotProvideAreRefused() throws Exception {
        try (TextTokenizer tokenizer = TextTokenizer.load(TinyTokenizer.write(dir), TokenizerOptions.defaults())) {
            assertThatThrownBy(() -> TextBatches.of(data(), tokenizer, 2, List.of("input_ids", "pixel_values")))
                    .isInstanceOf(NncjException.class).hasMessageContaining("graph input pixel_values");
        }
    }
}
