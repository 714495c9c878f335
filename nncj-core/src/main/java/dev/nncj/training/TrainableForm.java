package dev.nncj.training;

import dev.nncj.onnx.OnnxModel;
import java.nio.file.Path;
import java.util.Map;

/**
 * A method's model in the form training can adjust, and the way back to the model the method
 * writes. Quantization-aware training trains the float classifier with fake quantization where the
 * export quantizes, then exports the trained weights with the same ranges; the training module
 * sees only this contract, so it never depends on how a method rewrites the graph.
 */
public interface TrainableForm {
    /** The graph training updates (its float initializers are the trainable weights). */
    OnnxModel trainingGraph();

    /**
     * The model the method writes, holding {@code trainedFloat}'s weights: {@code trainedFloat} is a
     * fresh copy of the float model with the trained weights copied in, and may be edited in place.
     */
    OnnxModel export(OnnxModel trainedFloat);

    /** What the form adds to the written model's provenance (calibration size, granularity). */
    Map<String, Object> recorded();

    /** Builds the form of a float model read from {@code file}; a refusal names the file. */
    @FunctionalInterface
    interface Factory {
        TrainableForm of(OnnxModel model, Path file);
    }
}
