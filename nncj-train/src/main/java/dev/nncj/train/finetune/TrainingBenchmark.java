package dev.nncj.train.finetune;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TokenEmbedding;
import dev.nncj.runtime.LatencyStats;
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.execution.SupportCheck;
import dev.nncj.train.trainer.Batch;
import dev.nncj.train.trainer.Loss;
import dev.nncj.train.trainer.StepResult;
import dev.nncj.train.trainer.Trainer;
import dev.nncj.train.trainer.TrainerOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Times the training step of a text model on DJL's PyTorch engine: forward, backward, gradient
 * clipping and the AdamW update on one fixed synthetic batch (random token ids, full mask), so
 * that the figure depends only on the model and the batch shape, and can be set beside the same
 * step in another framework. An encoder gets {@link ClassifierHead}'s pooling and 2-class head
 * first, as {@code nncj finetune} would train it.
 */
public final class TrainingBenchmark {
    /** What was timed and how long each step took. */
    public record Result(int batch, int seqLen, int warmupSteps, LatencyStats steps) {
        public double samplesPerSecond() {
            return batch / (steps.p50Ms() / 1000);
        }
    }

    private TrainingBenchmark() {}

    public static Result run(OnnxModel model, int batch, int seqLen, int warmup, int runs, ProgressListener progress) {
        if (batch < 1 || seqLen < 1 || runs < 1 || warmup < 0) {
            throw new IllegalArgumentException("batch, sequence length and runs must be >= 1 and warm-up >= 0");
        }
        boolean classifier = model.graph().isGraphOutput(ClassifierHead.LOGITS);
        if (!classifier) {
            Path file = model.source().orElse(Path.of(model.graph().name()));
            ClassifierHead.attach(model, FineTuner.hiddenOutput(model, file), 2, 1);
        }
        int vocabulary = TokenEmbedding.vocabularySize(model.graph()).orElseThrow(() ->
                new NncjException(SupportCheck.describe(model) + ": no token-embedding table, so no text inputs to synthesize"));
        TrainerOptions options = new TrainerOptions(1e-5, 0.01, 0.9, 0.999, 1e-8, 0, warmup + runs, 1.0, 1);
        try (OnnxExecutor executor = OnnxExecutor.create(model, ExecutorOptions.defaults());
                Trainer trainer = new Trainer(executor, Loss.softmaxCrossEntropy(ClassifierHead.LOGITS), options, List.of())) {
            Batch fixed = syntheticBatch(executor.inputNames(), batch, seqLen, vocabulary);
            progress.start("training steps", warmup + runs);
            long[] nanos = new long[runs];
            for (int i = 0; i < warmup + runs; i++) {
                StepResult r = trainer.step(fixed);
                if (i >= warmup) {
                    nanos[i - warmup] = r.nanos();
                }
                progress.advance(1);
            }
            progress.finish();
            return new Result(batch, seqLen, warmup, LatencyStats.ofNanos(nanos));
        }
    }

    private static Batch syntheticBatch(List<String> inputs, int batch, int seqLen, int vocabulary) {
        Random random = new Random(1);
        long[] shape = {batch, seqLen};
        long[] ids = new long[batch * seqLen];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(vocabulary);
        }
        long[] ones = new long[ids.length];
        Arrays.fill(ones, 1);
        Map<String, Tensor> tensors = new HashMap<>();
        for (String name : inputs) {
            long[] values = switch (name) {
                case TextBatches.IDS -> ids;
                case TextBatches.MASK -> ones;
                case TextBatches.TYPES -> new long[ids.length];
                default -> throw new NncjException("graph input " + name
                        + " is not input_ids, attention_mask or token_type_ids: no text batch to synthesize");
            };
            tensors.put(name, Tensor.ofLongs(name, shape, values));
        }
        long[] labels = new long[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % 2;
        }
        return new Batch(tensors, labels);
    }
}
