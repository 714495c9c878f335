package dev.nncj.cli;

import dev.nncj.onnx.FiniteWeights;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import java.nio.file.Path;

/**
 * The model a command compresses or trains from, read with the check every method needs first: no
 * NaN or infinite weight (quantization, clustering and training all assume finite weights and would
 * otherwise write a wrong model with exit code 0).
 */
final class InputModel {
    private InputModel() {}

    /** {@code file} loaded, its weights checked finite. */
    static OnnxModel load(Path file) {
        OnnxModel model = OnnxFiles.load(file);
        FiniteWeights.requireFinite(model, file);
        return model;
    }

    /** The same check for a command whose library reads {@code file} itself (the training commands), before any work. */
    static void check(Path file) {
        load(file);
    }
}
