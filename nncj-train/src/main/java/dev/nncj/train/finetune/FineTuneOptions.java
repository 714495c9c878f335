package dev.nncj.train.finetune;

import dev.nncj.train.trainer.Checkpoints;
import dev.nncj.train.trainer.TrainerOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Settings of {@link FineTuner}: the usual BERT fine-tuning knobs.
 *
 * @param epochs passes over the training set
 * @param batchSize examples per optimizer step
 * @param learningRate peak AdamW learning rate
 * @param warmupFraction share of all steps spent warming the rate up linearly from 0
 * @param weightDecay AdamW's decoupled decay
 * @param maxLength tokens per example after truncation
 * @param seed seeds the head's initial weights, PyTorch and batch shuffling: same seed, same run
 * @param evalEvery evaluate on the eval set after every this many steps (and always at the end)
 * @param patience stop after this many evaluations in a row without a new best; 0 never stops early
 * @param maxTrainExamples train on only the first this many examples, when present
 * @param checkpoints where the run keeps its checkpoints (one every {@code evalEvery} steps and one on a
 *     stop request) and whether it resumes one; not an option of the result, so provenance leaves it out
 */
public record FineTuneOptions(int epochs, int batchSize, double learningRate, double warmupFraction,
        double weightDecay, int maxLength, long seed, int evalEvery, int patience, OptionalInt maxTrainExamples,
        Checkpoints checkpoints) {

    public FineTuneOptions {
        if (epochs < 1 || batchSize < 1 || maxLength < 2 || evalEvery < 1) {
            throw new IllegalArgumentException("epochs, batch size and eval interval must be >= 1 and max length >= 2; got "
                    + epochs + ", " + batchSize + ", " + evalEvery + ", " + maxLength);
        }
        if (!(warmupFraction >= 0 && warmupFraction <= 1)) {
            throw new IllegalArgumentException("warm-up fraction must lie in [0, 1], got " + warmupFraction);
        }
        if (patience < 0) {
            throw new IllegalArgumentException("patience must be >= 0, got " + patience);
        }
        if (maxTrainExamples.isPresent() && maxTrainExamples.getAsInt() < 1) {
            throw new IllegalArgumentException("max training examples must be >= 1, got " + maxTrainExamples.getAsInt());
        }
        java.util.Objects.requireNonNull(checkpoints, "checkpoints");
    }

    /** Options keeping no checkpoints. */
    public FineTuneOptions(int epochs, int batchSize, double learningRate, double warmupFraction, double weightDecay,
            int maxLength, long seed, int evalEvery, int patience, OptionalInt maxTrainExamples) {
        this(epochs, batchSize, learningRate, warmupFraction, weightDecay, maxLength, seed, evalEvery, patience,
                maxTrainExamples, Checkpoints.none());
    }

    /** 1 epoch, batch 16, lr 5e-5, 10% warm-up, decay 0.01, 128 tokens, seed 1, eval every 200 steps, patience 3. */
    public static FineTuneOptions defaults() {
        return new FineTuneOptions(1, 16, 5e-5, 0.1, 0.01, 128, 1, 200, 3, OptionalInt.empty());
    }

    public FineTuneOptions withEpochs(int v) {
        return new FineTuneOptions(v, batchSize, learningRate, warmupFraction, weightDecay, maxLength, seed, evalEvery, patience, maxTrainExamples, checkpoints);
    }

    public FineTuneOptions withBatchSize(int v) {
        return new FineTuneOptions(epochs, v, learningRate, warmupFraction, weightDecay, maxLength, seed, evalEvery, patience, maxTrainExamples, checkpoints);
    }

    public FineTuneOptions withLearningRate(double v) {
        return new FineTuneOptions(epochs, batchSize, v, warmupFraction, weightDecay, maxLength, seed, evalEvery, patience, maxTrainExamples, checkpoints);
    }

    public FineTuneOptions withWarmupFraction(double v) {
        return new FineTuneOptions(epochs, batchSize, learningRate, v, weightDecay, maxLength, seed, evalEvery, patience, maxTrainExamples, checkpoints);
    }

    public FineTuneOptions withWeightDecay(double v) {
        return new FineTuneOptions(epochs, batchSize, learningRate, warmupFraction, v, maxLength, seed, evalEvery, patience, maxTrainExamples, checkpoints);
    }

    public FineTuneOptions withMaxLength(int v) {
        return new FineTuneOptions(epochs, batchSize, learningRate, warmupFraction, weightDecay, v, seed, evalEvery, patience, maxTrainExamples, checkpoints);
    }

    public FineTuneOptions withSeed(long v) {
        return new FineTuneOptions(epochs, batchSize, learningRate, warmupFraction, weightDecay, maxLength, v, evalEvery, patience, maxTrainExamples, checkpoints);
    }

    public FineTuneOptions withEvalEvery(int v) {
        return new FineTuneOptions(epochs, batchSize, learningRate, warmupFraction, weightDecay, maxLength, seed, v, patience, maxTrainExamples, checkpoints);
    }

    public FineTuneOptions withPatience(int v) {
        return new FineTuneOptions(epochs, batchSize, learningRate, warmupFraction, weightDecay, maxLength, seed, evalEvery, v, maxTrainExamples, checkpoints);
    }

    public FineTuneOptions withMaxTrainExamples(int v) {
        return new FineTuneOptions(epochs, batchSize, learningRate, warmupFraction, weightDecay, maxLength, seed, evalEvery, patience, OptionalInt.of(v), checkpoints);
    }

    public FineTuneOptions withCheckpoints(Checkpoints v) {
        return new FineTuneOptions(epochs, batchSize, learningRate, warmupFraction, weightDecay, maxLength, seed, evalEvery, patience, maxTrainExamples, v);
    }

    /** The trainer's settings for a run of {@code totalSteps}: AdamW betas 0.9/0.999, eps 1e-8, clipping at 1. */
    public TrainerOptions trainerOptions(int totalSteps) {
        return new TrainerOptions(learningRate, weightDecay, 0.9, 0.999, 1e-8, (int) Math.round(warmupFraction * totalSteps),
                totalSteps, 1.0, seed);
    }

    /** The options as provenance records them: everything needed to repeat the run. */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", epochs);
        m.put("batch_size", batchSize);
        m.put("learning_rate", learningRate);
        m.put("warmup_fraction", warmupFraction);
        m.put("weight_decay", weightDecay);
        m.put("max_length", maxLength);
        m.put("seed", seed);
        m.put("eval_every", evalEvery);
        m.put("patience", patience);
        maxTrainExamples.ifPresent(n -> m.put("max_train_examples", n));
        return m;
    }
}
