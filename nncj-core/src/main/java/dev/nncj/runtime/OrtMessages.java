package dev.nncj.runtime;

import ai.onnxruntime.OrtException;

/**
 * Shortens ONNX Runtime's error messages to the one line a user needs. ORT's Java messages carry
 * prefixes ("Error code - ORT_FAIL - message: Load model from /path/m.onnx failed:") that repeat what
 * the NNCJ message already says (the file, that loading failed), and its C++ messages often continue
 * with stack-like detail over several lines.
 */
public final class OrtMessages {
    /**
     * The C++ throw site some ORT messages start with, "/onnxruntime_src/.../model.cc:181
     * onnxruntime::Model::Model(onnx::ModelProto&&, ...) ": a place in ORT's sources, not in the model.
     */
    private static final String SOURCE_LOCATION = "^/\\S+:\\d+ [^(]+\\([^)]*\\) ";

    private OrtMessages() {}

    /** ORT's message without its prefixes, cut to its first line; the exception type when empty. */
    public static String firstLine(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        String text = message.strip();
        if (e instanceof OrtException) {
            text = text.replaceFirst("^Error code - ORT_[A-Z_]+ - message: ", "")
                    .replaceFirst("^Load model from .*? failed: ?", "")
                    .replaceFirst(SOURCE_LOCATION, "");
        }
        int newline = text.indexOf('\n');
        if (newline >= 0) {
            text = text.substring(0, newline);
        }
        return text.strip();
    }
}
