package dev.nncj.quantize;

import dev.nncj.onnx.OnnxModel;
import java.util.List;
import java.util.Map;

/**
 * A quantized model and the account of what happened: which nodes were quantized, which stayed
 * float and why (the CLI lists them), and notes such as layers an accuracy-driven run fell back.
 */
public record QuantizationResult(OnnxModel model, List<String> quantizedNodes, Map<String, String> keptFloat,
                                 List<String> notes) {
    public QuantizationResult {
        quantizedNodes = List.copyOf(quantizedNodes);
        keptFloat = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(keptFloat)); // graph order
        notes = List.copyOf(notes);
    }
}
