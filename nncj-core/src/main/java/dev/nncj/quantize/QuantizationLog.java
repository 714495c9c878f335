package dev.nncj.quantize;

import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a quantizer did, node by node, collected while it runs and returned as a {@link QuantizationResult}. */
final class QuantizationLog {
    private final List<String> quantized = new ArrayList<>();
    private final Map<String, String> keptFloat = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    void quantized(Node node) {
        quantized.add(node.name());
    }

    void keptFloat(Node node, String reason) {
        keptFloat.put(node.name(), node.opType() + ": " + reason);
    }

    void note(String note) {
        notes.add(note);
    }

    List<String> notes() {
        return List.copyOf(notes);
    }

    int quantizedCount() {
        return quantized.size();
    }

    QuantizationResult result(OnnxModel model) {
        return new QuantizationResult(model, quantized, keptFloat, notes);
    }
}
