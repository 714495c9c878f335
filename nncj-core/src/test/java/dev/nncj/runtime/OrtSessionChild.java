package dev.nncj.runtime;

import ai.onnxruntime.OrtSession;
import java.nio.file.Path;

/**
 * The process {@link OrtNativeLibrariesTest} starts: opens an ONNX Runtime session on a tiny model it
 * writes into the folder it is given, then exits normally.
 */
public final class OrtSessionChild {
    private OrtSessionChild() {}

    public static void main(String[] args) throws Exception {
        Path model = TinyOnnx.write(Path.of(args[0]), "encoder.onnx", TinyOnnx.encoder());
        try (OrtSession session = OrtSessions.open(model, RuntimeOptions.defaults())) {
            System.out.println(session.getInputNames());
        }
    }
}
