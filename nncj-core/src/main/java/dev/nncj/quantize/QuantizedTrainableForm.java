package dev.nncj.quantize;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.training.TrainableForm;
import java.util.Optional;

/**
 * A quantization mode's {@link TrainableForm}: what quantization-aware training trains for it, and
 * the quantizer's account of what the export wrote.
 */
public interface QuantizedTrainableForm extends TrainableForm {
    /** The quantizer's account of the latest {@link #export}: nodes quantized, kept float, notes. */
    Optional<QuantizationResult> lastExport();

    /** What every int8 form records of its options in the written model's provenance. */
    static java.util.Map<String, Object> recordedOptions(QuantizeOptions options) {
        java.util.Map<String, Object> recorded = new java.util.LinkedHashMap<>();
        recorded.put("per_channel", options.perChannel());
        recorded.put("symmetric", options.symmetric());
        return recorded;
    }

    /** The modes quantization-aware training can train. */
    static boolean trains(QuantizationMode mode) {
        return mode == QuantizationMode.STATIC_INT8 || mode == QuantizationMode.DYNAMIC_INT8;
    }

    /**
     * A factory building {@code options}' mode's form of each float model it is given (static int8
     * calibrates on {@code options}' calibration data, reporting to {@code progress}).
     */
    static Factory factory(QuantizeOptions options, ProgressListener progress) {
        return switch (options.mode()) {
            case STATIC_INT8 -> (model, file) -> StaticInt8TrainableForm.of(model, file, options, progress);
            case DYNAMIC_INT8 -> (model, file) -> DynamicInt8TrainableForm.of(model, file, options);
            default -> throw new NncjException("quantization-aware training exports static-int8 and dynamic-int8, not "
                    + options.mode().cliName());
        };
    }

    /** {@link TrainableForm.Factory} whose forms say what they exported. */
    @FunctionalInterface
    interface Factory extends TrainableForm.Factory {
        @Override
        QuantizedTrainableForm of(dev.nncj.onnx.OnnxModel model, java.nio.file.Path file);
    }
}
