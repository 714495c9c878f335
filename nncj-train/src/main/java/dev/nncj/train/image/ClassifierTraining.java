package dev.nncj.train.image;

import dev.nncj.ProgressListener;
import dev.nncj.data.ImageDataset;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.sparsity.PrunableWeight;
import dev.nncj.sparsity.PrunableWeights;
import dev.nncj.train.trainer.Batch;
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.trainer.Loss;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.distill.SoftTargetDistillation;
import dev.nncj.train.trainer.StepResult;
import dev.nncj.train.trainer.Trainer;
import dev.nncj.train.trainer.TrainerOptions;
import dev.nncj.train.trainer.TrainingListener;
import dev.nncj.train.trainer.ZeroMask;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Trains an image classifier ONNX graph (a {@link LeNet}, or a pruned or clustered one) with
 * softmax cross-entropy and AdamW, writing the trained values back into the model. Zero weights of
 * MatMul/Gemm/Conv stay zero when {@link Options#keepZeros} (retraining after pruning); a clustered
 * graph trains its codebooks, whose gradient is the sum of their weights' gradients (Gather's
 * backward), and its pruned zeros are a constant.
 */
public final class ClassifierTraining {
    private ClassifierTraining() {}

    /**
     * @param epochs passes over the training set
     * @param batchSize examples per step
     * @param learningRate AdamW's peak rate, after 2% warm-up, decaying linearly to 0
     * @param weightDecay AdamW's decoupled decay
     * @param keepZeros whether zero weights stay zero
     * @param seed shuffling and PyTorch's generator
     */
    public record Options(int epochs, int batchSize, double learningRate, double weightDecay, boolean keepZeros, long seed) {
        public Options {
            if (epochs < 1) {
                throw new dev.nncj.OptionException(dev.nncj.OptionName.of("epochs"), " must be >= 1, got " + epochs);
            }
            if (batchSize < 1) {
                throw new dev.nncj.OptionException(dev.nncj.OptionName.of("batchSize"), " must be >= 1, got " + batchSize);
            }
        }

        public static Options defaults() {
            return new Options(10, 128, 1e-3, 0, false, 42);
        }

        public Options withEpochs(int value) {
            return new Options(value, batchSize, learningRate, weightDecay, keepZeros, seed);
        }

        public Options withLearningRate(double value) {
            return new Options(epochs, batchSize, value, weightDecay, keepZeros, seed);
        }

        public Options withKeepZeros(boolean value) {
            return new Options(epochs, batchSize, learningRate, weightDecay, value, seed);
        }

        public Options withBatchSize(int value) {
            return new Options(epochs, value, learningRate, weightDecay, keepZeros, seed);
        }
    }

    /**
     * Soft targets as well as the labels (Hinton et al. 2015): a pruned or clustered model retrained
     * against the model it came from, whose whole distribution says more per image than one label.
     *
     * @param temperature softmax temperature of the soft targets
     * @param softWeight weight of the soft term; the labels get 1 - softWeight
     */
    public record Distillation(double temperature, double softWeight) {
        public Distillation {
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("temperature must be positive, got " + temperature);
            }
            if (!(softWeight > 0 && softWeight <= 1)) {
                throw new IllegalArgumentException("the soft-target weight must be in (0, 1], got " + softWeight);
            }
        }
    }

    /** The model whose soft targets are learned (same input and output as the trained one), and how. */
    public record Teacher(OnnxModel model, Distillation distillation) {
        public Teacher {
            java.util.Objects.requireNonNull(model, "model");
            java.util.Objects.requireNonNull(distillation, "distillation");
        }
    }

    /** Trains {@code model} in place on the labels; returns the mean loss of the last epoch. */
    public static double train(OnnxModel model, ImageDataset data, Options options, ProgressListener progress) {
        return train(model, data, options, Optional.empty(), progress);
    }

    /** Trains {@code model} in place, against {@code teacher}'s soft targets too when there is one; returns the mean loss of the last epoch. */
    public static double train(OnnxModel model, ImageDataset data, Options options, Optional<Teacher> teacher,
                               ProgressListener progress) {
        var input = model.graph().inputs().get(0);
        boolean images = input.getType().getTensorType().getShape().getDimCount() == 4;
        List<Batch> batches = ImageBatches.of(data, options.batchSize(), input.getName(), images);
        String logits = model.graph().outputs().get(0).getName();
        int total = batches.size() * options.epochs();
        TrainerOptions trainerOptions = new TrainerOptions(options.learningRate(), options.weightDecay(), 0.9, 0.999, 1e-8,
                Math.max(1, total / 50), total, 0, options.seed());
        double[] lastEpoch = {0, 0};
        TrainingListener meter = new TrainingListener() {
            @Override
            public void onStep(StepResult r) {
                if (r.step() >= total - batches.size()) {
                    lastEpoch[0] += r.loss();
                    lastEpoch[1]++;
                }
                progress.advance(1);
            }
        };
        progress.start("train", total);
        // the teacher only infers: none of its parameters needs a gradient
        try (OnnxExecutor executor = OnnxExecutor.create(model, ExecutorOptions.defaults());
             OnnxExecutor teacherExecutor = teacher.map(t -> OnnxExecutor.create(t.model(), ExecutorOptions.defaults().freezing("")))
                     .orElse(null)) {
            List<TrainingListener> listeners = new ArrayList<>();
            listeners.add(meter);
            if (options.keepZeros()) {
                List<String> weights = PrunableWeights.find(model.graph(), NodeFilter.all(), false).stream()
                        .map(PrunableWeight::name).toList();
                listeners.add(0, new ZeroMask(executor, weights));
            }
            Loss loss = teacher.isEmpty() ? Loss.softmaxCrossEntropy(logits)
                    : new SoftTargetDistillation(teacherExecutor, teacher.get().model().graph().outputs().get(0).getName(), logits,
                            teacher.get().distillation().temperature(), teacher.get().distillation().softWeight());
            try (Trainer trainer = new Trainer(executor, loss, trainerOptions, listeners)) {
                trainer.fit(batches, options.epochs());
            }
            executor.writeParameters(model);
        } finally {
            progress.finish();
        }
        return lastEpoch[1] == 0 ? Double.NaN : lastEpoch[0] / lastEpoch[1];
    }
}
