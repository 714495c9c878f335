package dev.nncj.cli;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nncj.NncjException;
import dev.nncj.onnx.FiniteWeights;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.runtime.OrtSessions;
import dev.nncj.runtime.RuntimeOptions;
import java.nio.file.Path;

/**
 * The model a command compresses or trains from, read with the checks every method needs first: no
 * NaN or infinite weight (quantization, clustering and training all assume finite weights and would
 * otherwise write a wrong model with exit code 0), and ONNX Runtime loads it (a graph with a cycle,
 * an unknown domain or an unsupported opset is the input's fault, and is named as such before the
 * work, not as a result that could not be written after it).
 */
final class InputModel {
    private InputModel() {}

    /** {@code file} loaded, its weights checked finite. */
    static OnnxModel load(Path file) {
        OnnxModel model = OnnxFiles.load(file);
        FiniteWeights.requireFinite(model, file);
        try (OrtSession session = OrtSessions.open(file, RuntimeOptions.defaults())) {
            return model;
        } catch (OrtException e) {
            throw NncjException.inFile(file, "ONNX Runtime could not release its session: " + e.getMessage(), e);
        }
    }

    /** The same check for a command whose library reads {@code file} itself (the training commands), before any work. */
    static void check(Path file) {
        load(file);
    }
}
