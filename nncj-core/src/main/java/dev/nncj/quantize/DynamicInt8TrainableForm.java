package dev.nncj.quantize;

import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxModel;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Dynamic int8 as quantization-aware training sees it: training runs on
 * {@link DynamicInt8Quantizer#fakeQuantized} (each quantized activation over its own range per
 * sentence, as ONNX Runtime's DynamicQuantizeLinear measures it at run time; weights per channel),
 * and the export is {@link DynamicInt8Quantizer#quantize} of the trained float weights. Nothing is
 * calibrated: the ranges are the activations' own, in training as at run time.
 */
public final class DynamicInt8TrainableForm implements QuantizedTrainableForm {
    private final QuantizeOptions options;
    private final OnnxModel trainingGraph;
    private QuantizationResult lastExport;

    private DynamicInt8TrainableForm(QuantizeOptions options, OnnxModel trainingGraph) {
        this.options = options;
        this.trainingGraph = trainingGraph;
    }

    /** Turns {@code model} (read from {@code file}), in place, into its fake-quantized form. */
    public static DynamicInt8TrainableForm of(OnnxModel model, Path file, QuantizeOptions options) {
        Quantizers.refuseQuantized(model, file);
        return new DynamicInt8TrainableForm(options, DynamicInt8Quantizer.fakeQuantized(model, options));
    }

    @Override
    public OnnxModel trainingGraph() {
        return trainingGraph;
    }

    @Override
    public OnnxModel export(OnnxModel trainedFloat) {
        lastExport = new DynamicInt8Quantizer().quantize(trainedFloat, options, ProgressListener.NONE);
        return lastExport.model();
    }

    @Override
    public Optional<QuantizationResult> lastExport() {
        return Optional.ofNullable(lastExport);
    }

    @Override
    public Map<String, Object> recorded() {
        return QuantizedTrainableForm.recordedOptions(options);
    }
}
