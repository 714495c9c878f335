package dev.nncj.quantize;

import java.nio.file.Path;
import java.util.List;

/**
 * Data for calibrating activation ranges (static int8) or for error-compensating rounding
 * (GPTQ/AWQ-style weight-only): sentences run through ONNX Runtime in batches.
 *
 * @param sentences calibration text, typically a few hundred sentences of the task's training data
 * @param tokenizer the model's tokenizer.json
 * @param method how observed activations become a range
 * @param percentile for {@link Method#PERCENTILE}, e.g. 99.99
 * @param batchSize sentences per ONNX Runtime call
 */
public record Calibration(List<String> sentences, Path tokenizer, Method method, double percentile, int batchSize) {
    public enum Method { MIN_MAX, PERCENTILE, ENTROPY }

    public Calibration {
        sentences = List.copyOf(sentences);
    }
}
