package dev.nncj.quantize;

import dev.nncj.calibration.CalibrationData;
import java.nio.file.Path;
import java.util.List;

/**
 * What a quantizer calibrates on and how: sentences run through ONNX Runtime in batches, for
 * activation ranges (static int8) or error-compensating rounding (GPTQ/AWQ-style weight-only), and
 * how observed activations become a range. The data is the calibration package's; the range method
 * is quantization's own (as ONNX Runtime's quantizer keeps its CalibrationMethod).
 *
 * @param data the sentences, their tokenizer and the batch size
 * @param method how observed activations become a range
 * @param percentile for {@link Method#PERCENTILE}, e.g. 99.99
 */
public record Calibration(CalibrationData.Sentences data, Method method, double percentile) {
    public enum Method { MIN_MAX, PERCENTILE, ENTROPY }

    /**
     * @param sentences calibration text, typically a few hundred sentences of the task's training data
     * @param tokenizer the model's tokenizer.json
     * @param batchSize sentences per ONNX Runtime call ({@link QuantizeOptions#CALIBRATION_BATCH_SIZE} from the CLI)
     */
    public Calibration(List<String> sentences, Path tokenizer, Method method, double percentile, int batchSize) {
        this(new CalibrationData.Sentences(sentences, tokenizer, batchSize), method, percentile);
    }

    /** The same calibration observed on {@code threads} ONNX Runtime threads (0: every core). */
    public Calibration withThreads(int threads) {
        return new Calibration(data.withThreads(threads), method, percentile);
    }

    public List<String> sentences() {
        return data.sentences();
    }
}
