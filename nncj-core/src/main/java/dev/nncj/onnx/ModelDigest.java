package dev.nncj.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 of what a model computes: its IR version, opset imports, functions, graph and
 * weights, and nothing about who wrote it or when. Two files of the same model digest alike even
 * when their metadata differs (NNCJ's provenance records the time a file was written, so a model
 * made again by the same command is a new file but the same model).
 */
public final class ModelDigest {
    private ModelDigest() {}

    public static String sha256(OnnxModel model) {
        ModelProto written = model.toProto(TensorProtos::toProto);
        ModelProto computation = ModelProto.newBuilder()
                .setIrVersion(written.getIrVersion())
                .addAllOpsetImport(written.getOpsetImportList())
                .addAllFunctions(written.getFunctionsList())
                .setGraph(written.getGraph())
                .build();
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
                CodedOutputStream coded = CodedOutputStream.newInstance(out, 1 << 16);
                computation.writeTo(coded);
                coded.flush();
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to a digest cannot fail", e);
        }
    }
}
