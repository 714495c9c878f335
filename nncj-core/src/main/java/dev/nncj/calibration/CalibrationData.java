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
     * Sentences of a text model, fed as the model's input_ids, attention_mask and token_type_ids.
     *
     * @param sentences typically a few hundred sentences of the task's training data; refused when
     *     empty only once something is to be measured, so that the error names the step that needed them
     * @param tokenizer the model's tokenizer.json
     */
    record Sentences(List<String> sentences, Path tokenizer, int batchSize) implements CalibrationData {
        public Sentences {
            sentences = List.copyOf(sentences);
            Objects.requireNonNull(tokenizer, "tokenizer");
            requirePositive(batchSize);
        }
    }

    /**
     * The first {@code count} images of a dataset (all of them when it holds fewer), fed as an image
     * classifier's one float input.
     */
    record Images(ImageDataset dataset, int count, int batchSize) implements CalibrationData {
        public Images {
            Objects.requireNonNull(dataset, "dataset");
            requirePositive(batchSize);
        }

        /** How many images are measured: {@code count}, or the whole dataset when it is smaller. */
        public int measured() {
            return Math.min(count, dataset.size());
        }
    }

    private static void requirePositive(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("calibration batch size must be at least 1, got " + batchSize);
        }
    }
}
