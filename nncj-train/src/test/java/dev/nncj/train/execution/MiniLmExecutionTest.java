package dev.nncj.train.execution;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.nncj.ProgressListener;
import dev.nncj.data.EncodedBatch;
import dev.nncj.data.Padding;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.train.finetune.ClassifierHead;
import dev.nncj.train.finetune.TextBatches;
import dev.nncj.train.ops.TensorArrays;
import dev.nncj.train.trainer.Batch;
import dev.nncj.train.trainer.Loss;
import dev.nncj.train.trainer.StepResult;
import dev.nncj.train.trainer.Trainer;
import dev.nncj.train.trainer.TrainerOptions;
import dev.nncj.train.trainer.TrainingListener;
import dev.nncj.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real all-MiniLM-L6-v2 (opset 11, PyTorch 2.0.1 export) on real SST-2 sentences. */
public class MiniLmExecutionTest {
    public static final Path SST2_TEST = Path.of("../data/sst2/test.tsv");

    @TempDir
    static Path dir;

    static ModelZoo.Fetched minilm;
    static OnnxModel model;
    static List<String> sentences;

    @BeforeAll
    static void load() {
        minilm = ModelZoo.get("all-minilm-l6-v2", dir.resolve("minilm"), ProgressListener.NONE);
        model = OnnxFiles.load(minilm.modelFile());
        sentences = SentenceFile.read(SST2_TEST).subList(0, 8);
    }

    private static Map<String, Tensor> tensors(EncodedBatch batch) {
        long[] shape = {batch.batchSize(), batch.sequenceLength()};
        return Map.of(
                "input_ids", Tensor.ofLongs("input_ids", shape, flatten(batch.inputIds())),
                "attention_mask", Tensor.ofLongs("attention_mask", shape, flatten(batch.attentionMask())),
                "token_type_ids", Tensor.ofLongs("token_type_ids", shape, flatten(batch.tokenTypeIds())));
    }

    private static long[] flatten(long[][] rows) {
        return Arrays.stream(rows).flatMapToLong(Arrays::stream).toArray();
    }

    /**
     * Forward equals ONNX Runtime's last_hidden_state within 1e-4 on 8 sentences padded to the
     * longest (padding positions included): every op of the graph, shape arithmetic and the
     * attention mask's large negative additions, in one comparison.
     */
    @Test
    void forwardMatchesOnnxRuntimeOnRealSentences() throws Exception {
        try (TextTokenizer tokenizer = TextTokenizer.load(minilm.tokenizerFile(), TokenizerOptions.defaults())) {
            EncodedBatch batch = tokenizer.encode(sentences);
            assertThat(batch.batchSize()).isEqualTo(8);
            Map<String, Double> diffs = OrtReference.diffs(model, tensors(batch));
            System.out.printf("MiniLM max |executor - ORT| on %d x %d tokens: %s%n",
                    batch.batchSize(), batch.sequenceLength(), diffs);
            assertThat(diffs).containsOnlyKeys("last_hidden_state");
            assertThat(diffs.get("last_hidden_state")).isLessThanOrEqualTo(1e-4);
        }
    }

    /**
     * One training step's worth of work at batch 8, sequence 64: gradients reach every parameter
     * (each has a finite, non-zero gradient). The time is printed for the record, not asserted:
     * the machine is shared.
     */
    @Test
    void backwardReachesEveryParameter() {
        TokenizerOptions options = TokenizerOptions.defaults().withMaxLength(64).withPadding(Padding.MAX_LENGTH);
        try (TextTokenizer tokenizer = TextTokenizer.load(minilm.tokenizerFile(), options);
                OnnxExecutor executor = OnnxExecutor.create(model, ExecutorOptions.defaults())) {
            Map<String, Tensor> inputs = tensors(tokenizer.encode(sentences));
            assertThat(executor.trainableParameters()).hasSize(model.graph().initializers().values().stream()
                    .filter(t -> t.type() == dev.nncj.onnx.DataType.FLOAT && t.rank() > 0).toList().size());
            long[] millis = new long[4];
            for (int run = 0; run < millis.length; run++) {
                executor.zeroGradients();
                long start = System.nanoTime();
                try (NDManager step = executor.manager().newSubManager()) {
                    Map<String, NDArray> feeds = new HashMap<>();
                    inputs.forEach((name, t) -> feeds.put(name, TensorArrays.toArray(step, t)));
                    try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                        NDArray hidden = executor.forward(step, feeds).get("last_hidden_state");
                        assertThat(hidden.getShape().getShape()).containsExactly(8, 64, 384);
                        collector.backward(hidden.square().mean());
                    }
                }
                millis[run] = (System.nanoTime() - start) / 1_000_000;
            }
            System.out.printf("MiniLM forward+backward, batch 8, seq 64: %s ms (first run includes warm-up)%n",
                    Arrays.toString(millis));
            for (Parameter p : executor.trainableParameters()) {
                try (NDArray g = p.array().getGradient()) {
                    double norm = g.norm().getFloat();
                    assertThat(norm).as("gradient norm of %s", p.name()).isFinite().isGreaterThan(0);
                }
            }
        }
    }

    /** The classifier head on MiniLM (opset 11: axes as attributes) agrees with ONNX Runtime too. */
    @Test
    void classifierHeadOnMiniLmMatchesOnnxRuntime() throws Exception {
        OnnxModel classifier = OnnxFiles.load(minilm.modelFile());
        ClassifierHead.attach(classifier, "last_hidden_state", 2, 42);
        try (TextTokenizer tokenizer = TextTokenizer.load(minilm.tokenizerFile(), TokenizerOptions.defaults())) {
            Map<String, Double> diffs = OrtReference.diffs(classifier, tensors(tokenizer.encode(sentences)));
            System.out.printf("MiniLM + classifier head max |executor - ORT|: %s%n", diffs);
            assertThat(diffs).containsOnlyKeys("logits");
            assertThat(diffs.get("logits")).isLessThanOrEqualTo(1e-5);
        }
    }

    /**
     * Fine-tuning end to end on the real model: MiniLM + classifier head, 5 AdamW steps on one SST-2
     * batch of 8 lower that batch's loss, and ONNX Runtime runs the written-back classifier with the
     * executor's logits.
     */
    @Test
    void fineTuningStepsLowerTheLossAndOrtRunsTheResult() throws Exception {
        OnnxModel classifier = OnnxFiles.load(minilm.modelFile());
        ClassifierHead.attach(classifier, "last_hidden_state", 2, 7);
        List<StepResult> log = new java.util.ArrayList<>();
        try (TextTokenizer tokenizer = TextTokenizer.load(minilm.tokenizerFile(), TokenizerOptions.defaults());
                OnnxExecutor executor = OnnxExecutor.create(classifier, ExecutorOptions.defaults())) {
            List<Batch> batches = TextBatches.of(dev.nncj.data.TextClassificationDataset.load(SST2_TEST).firstN(8),
                    tokenizer, 8, executor.inputNames());
            TrainerOptions options = new TrainerOptions(1e-4, 0.01, 0.9, 0.999, 1e-8, 0, 5, 1.0, 42);
            try (Trainer trainer = new Trainer(executor, Loss.softmaxCrossEntropy(ClassifierHead.LOGITS), options,
                    List.of(new TrainingListener() {
                        @Override
                        public void onStep(StepResult result) {
                            log.add(result);
                        }
                    }))) {
                trainer.fit(batches, 5);
            }
            executor.writeParameters(classifier);
            System.out.printf("MiniLM fine-tuning, batch 8 x %d tokens: losses %s, samples/s %s%n",
                    batches.get(0).inputs().get("input_ids").shape()[1],
                    log.stream().map(r -> String.format("%.4f", r.loss())).toList(),
                    log.stream().map(r -> String.format("%.2f", r.samplesPerSecond())).toList());
            assertThat(log).hasSize(5);
            assertThat(log.get(4).loss()).isLessThan(0.9 * log.get(0).loss());
            Map<String, Double> diffs = OrtReference.diffs(classifier, batches.get(0).inputs());
            assertThat(diffs.get("logits")).isLessThanOrEqualTo(1e-4);
        }
    }
}
