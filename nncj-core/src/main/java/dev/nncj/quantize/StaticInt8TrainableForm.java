package dev.nncj.quantize;

import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Static int8 as quantization-aware training sees it: the activation ranges are calibrated once on
 * the float model, training runs on {@link StaticInt8Quantizer#fakeQuantized} with those ranges,
 * and the export is {@link StaticInt8Quantizer#quantizeWithRanges} with the same ranges, so the
 * written QDQ model is exactly what static-int8 quantization writes, with the trained weights.
 */
public final class StaticInt8TrainableForm implements QuantizedTrainableForm {
    private final QuantizeOptions options;
    private final Map<String, float[]> ranges;
    private final OnnxModel trainingGraph;
    private QuantizationResult lastExport;

    private StaticInt8TrainableForm(QuantizeOptions options, Map<String, float[]> ranges, OnnxModel trainingGraph) {
        this.options = options;
        this.ranges = ranges;
        this.trainingGraph = trainingGraph;
    }

    /** Calibrates {@code model} (read from {@code file}) and turns it, in place, into its fake-quantized form. */
    public static StaticInt8TrainableForm of(OnnxModel model, Path file, QuantizeOptions options, ProgressListener progress) {
        Quantizers.refuseQuantized(model, file);
        Map<String, float[]> ranges = StaticInt8Quantizer.calibrate(model, options, progress);
        return new StaticInt8TrainableForm(options, ranges, StaticInt8Quantizer.fakeQuantized(model, options, ranges));
    }

    @Override
    public OnnxModel trainingGraph() {
        return trainingGraph;
    }

    @Override
    public OnnxModel export(OnnxModel trainedFloat) {
        lastExport = StaticInt8Quantizer.quantizeWithRanges(trainedFloat, options, ranges);
        return lastExport.model();
    }

    @Override
    public Optional<QuantizationResult> lastExport() {
        return Optional.ofNullable(lastExport);
    }

    @Override
    public Map<String, Object> recorded() {
        Map<String, Object> recorded = new LinkedHashMap<>();
        recorded.put("calibration_sentences", options.calibration().map(c -> c.sentences().size()).orElse(0));
        recorded.putAll(QuantizedTrainableForm.recordedOptions(options));
        return recorded;
    }
}
