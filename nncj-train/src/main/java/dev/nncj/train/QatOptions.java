package dev.nncj.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The training knobs of quantization-aware training (the quantization scheme itself is the
 * static-int8 {@link dev.nncj.quantize.QuantizeOptions}).
 *
 * @param softWeight weight of the soft targets of the float model (the teacher) against the labels'
 *     cross-entropy, as in {@link SoftTargetDistillation}; 1 matches the float model only
 * @param temperature the soft targets' temperature
 * @param maxTrainExamples train on the first N examples only; empty uses them all
 */
public record QatOptions(int epochs, int batchSize, double learningRate, double warmupFraction, int maxLength,
                         double softWeight, double temperature, OptionalInt maxTrainExamples, long seed) {
    public QatOptions {
        if (epochs < 1 || batchSize < 1 || maxLength < 2) {
            throw new IllegalArgumentException("epochs and batch size must be >= 1 and max length >= 2");
        }
    }

    /** One epoch, batch 16, lr 1e-5 (QAT starts from a trained model: small steps), 10% warm-up, soft targets only at T = 1. */
    public static QatOptions defaults() {
        return new QatOptions(1, 16, 1e-5, 0.1, 128, 1.0, 1.0, OptionalInt.empty(), 1);
    }

    public QatOptions withEpochs(int v) {
        return new QatOptions(v, batchSize, learningRate, warmupFraction, maxLength, softWeight, temperature, maxTrainExamples, seed);
    }

    public QatOptions withBatchSize(int v) {
        return new QatOptions(epochs, v, learningRate, warmupFraction, maxLength, softWeight, temperature, maxTrainExamples, seed);
    }

    public QatOptions withLearningRate(double v) {
        return new QatOptions(epochs, batchSize, v, warmupFraction, maxLength, softWeight, temperature, maxTrainExamples, seed);
    }

    public QatOptions withMaxLength(int v) {
        return new QatOptions(epochs, batchSize, learningRate, warmupFraction, v, softWeight, temperature, maxTrainExamples, seed);
    }

    public QatOptions withSoftWeight(double v) {
        return new QatOptions(epochs, batchSize, learningRate, warmupFraction, maxLength, v, temperature, maxTrainExamples, seed);
    }

    public QatOptions withMaxTrainExamples(int v) {
        return new QatOptions(epochs, batchSize, learningRate, warmupFraction, maxLength, softWeight, temperature, OptionalInt.of(v), seed);
    }

    public QatOptions withSeed(long v) {
        return new QatOptions(epochs, batchSize, learningRate, warmupFraction, maxLength, softWeight, temperature, maxTrainExamples, v);
    }

    /** For provenance. */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", epochs);
        m.put("batch_size", batchSize);
        m.put("learning_rate", learningRate);
        m.put("warmup", warmupFraction);
        m.put("max_length", maxLength);
        m.put("soft_weight", softWeight);
        m.put("temperature", temperature);
        m.put("max_train", maxTrainExamples.isPresent() ? maxTrainExamples.getAsInt() : null);
        m.put("seed", seed);
        return m;
    }
}
