package dev.nncj.onnx;

/**
 * How {@link OnnxFiles#save} writes a model.
 *
 * @param overwriteInput allow writing over the file the model was loaded from (a front end's "force")
 * @param externalData when tensor data goes to a side file instead of the .onnx protobuf
 * @param externalThreshold tensors smaller than this many bytes stay inside the .onnx file
 */
public record SaveOptions(boolean overwriteInput, ExternalData externalData, long externalThreshold) {
    /** Protobuf messages cannot exceed 2 GB; AUTO moves data out a little before that. */
    public static final long PROTOBUF_LIMIT = (1L << 31) - (64L << 20);

    public enum ExternalData {
        /** External data only when the model would not fit in one protobuf message. */
        AUTO,
        ALWAYS,
        NEVER
    }

    public static SaveOptions defaults() {
        return new SaveOptions(false, ExternalData.AUTO, 1024);
    }

    public SaveOptions withOverwriteInput(boolean overwrite) {
        return new SaveOptions(overwrite, externalData, externalThreshold);
    }

    public SaveOptions withExternalData(ExternalData mode) {
        return new SaveOptions(overwriteInput, mode, externalThreshold);
    }
}
