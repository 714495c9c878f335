package dev.nncj.calibration;

import dev.nncj.data.ImageDataset;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The examples a method measures activations on, apart from what it measures (as ONNX Runtime's
 * quantizer keeps its CalibrationDataReader apart from the calibrator): {@link ActivationObserver}
 * runs them through the model in batches of {@link #batchSize()}. The batch size is each method's
 * own, stated choice: padding to the longest sentence of a batch makes what is observed depend a
 * little on how examples are grouped, so a method keeps the batch its published figures used.
 */
public sealed interface CalibrationData {
    /** Examples per ONNX Runtime call, at least 1. */
    int batchSize();

    /**
     * ONNX Runtime's threads for the observation, 0 for every core: a Spark task holding one CPU must
     * not calibrate on all of its executor's machine.
     */
    int threads();

    /**
     * Sentences of a text model, fed as the model's input_ids, attention_mask and token_type_ids.
     *
     * @param sentences typically a few hundred sentences of the task's training data; refused when
     *     empty only once something is to be measured, so that the error names the step that needed them
     * @param tokenizer the model's tokenizer.json
     */
    record Sentences(List<String> sentences, Path tokenizer, int batchSize, int threads) implements CalibrationData {
        public Sentences {
            sentences = List.copyOf(sentences);
            Objects.requireNonNull(tokenizer, "tokenizer");
            requirePositive(batchSize);
            requireThreads(threads);
        }

        /** Observed on every core. */
        public Sentences(List<String> sentences, Path tokenizer, int batchSize) {
            this(sentences, tokenizer, batchSize, 0);
        }

        public Sentences withThreads(int threads) {
            return new Sentences(sentences, tokenizer, batchSize, threads);
        }
    }

    /**
     * The first {@code count} images of a dataset (all of them when it holds fewer), fed as an image
     * classifier's one float input.
     */
    record Images(ImageDataset dataset, int count, int batchSize, int threads) implements CalibrationData {
        public Images {
            Objects.requireNonNull(dataset, "dataset");
            requirePositive(batchSize);
            requireThreads(threads);
        }

        /** Observed on every core. */
        public Images(ImageDataset dataset, int count, int batchSize) {
            this(dataset, count, batchSize, 0);
        }

        /** How many images are measured: {@code count}, or the whole dataset when it is smaller. */
        public int measured() {
            return Math.min(count, dataset.size());
        }
    }

    private static void requireThreads(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("calibration threads must be 0 (every core) or more, got " + threads);
        }
    }

    private static void requirePositive(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("calibration batch size must be at least 1, got " + batchSize);
        }
    }
}
