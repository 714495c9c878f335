package dev.nncj.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Hand-crafted model files for the reading path's refusals: {@link TinyModels#linearRelu()} with its
 * weight w (float32 [4, 3], 48 bytes) in an external file or replaced by a malformed proto.
 */
public final class ExternalModels {
    /** A string no model holds: finding it in an output means bytes came from where they should not. */
    public static final String MARKER = "NNCJ-SECRET-MARKER-7f3a";
    public static final int W_BYTES = 48;

    private ExternalModels() {}

    /** A file of exactly w's size starting with {@link #MARKER}: the target an attacker's link points to. */
    public static Path secret(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.write(file, Arrays.copyOf(MARKER.getBytes(StandardCharsets.US_ASCII), W_BYTES));
    }

    /** {@code folder}/model.onnx whose w is external with these external_data entries (key, value in order). */
    public static Path withExternalW(Path folder, String... entries) throws IOException {
        return withW(folder, w -> {
            TensorProto.Builder b = w.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL);
            for (int i = 0; i < entries.length; i += 2) {
                b.addExternalData(StringStringEntryProto.newBuilder().setKey(entries[i]).setValue(entries[i + 1]));
            }
            return b.build();
        });
    }

    /** {@code folder}/model.onnx with w's proto edited by {@code edit} (the rest of the model as saved). */
    public static Path withW(Path folder, UnaryOperator<TensorProto> edit) throws IOException {
        return write(folder, OnnxFiles.toProto(TinyModels.linearRelu(),
                t -> t.name().equals("w") ? edit.apply(TensorProtos.toProto(t)) : TensorProtos.toProto(t)));
    }

    /** {@code folder}/model.onnx holding {@code proto} as is. */
    public static Path write(Path folder, ModelProto proto) throws IOException {
        Files.createDirectories(folder);
        return Files.write(folder.resolve("model.onnx"), proto.toByteArray());
    }

    /** A model file in {@code folder} with its weight w kept in w.bin beside it (a plain, valid layout). */
    public static Path withWeightFile(Path folder) throws IOException {
        Path model = withExternalW(folder, "location", "w.bin");
        Files.write(folder.resolve("w.bin"), TensorProtos.toProto(TinyModels.linearRelu().graph().initializer("w")
                .orElseThrow()).getRawData().toByteArray());
        return model;
    }
}
