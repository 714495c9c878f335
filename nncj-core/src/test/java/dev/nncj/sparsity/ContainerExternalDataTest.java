package dev.nncj.sparsity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.nncj.NncjException;
import dev.nncj.onnx.ExternalModels;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.TensorProtos;
import dev.nncj.onnx.TinyModels;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A container's graph naming external data is held to the same rules as a model's: nothing through a link beside it. */
class ContainerExternalDataTest {
    @TempDir
    Path dir;

    @Test
    void externalDataLinkedBesideAContainerIsRefused() throws IOException {
        // version 1 (raw skeleton), no packed tensors; the skeleton's weight w names w.bin, a link out of the folder
        ModelProto skeleton = OnnxFiles.toProto(TinyModels.linearRelu(), t -> t.name().equals("w")
                ? TensorProtos.toProto(t).toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("w.bin")).build()
                : TensorProtos.toProto(t));
        Path folder = Files.createDirectories(dir.resolve("shipped"));
        Path container = Files.write(folder.resolve("m.nncj"), container(skeleton.toByteArray()));
        Files.createSymbolicLink(folder.resolve("w.bin"), ExternalModels.secret(dir.resolve("secret.bin")));

        assertThatThrownBy(() -> NncjContainer.unpack(container))
                .isInstanceOf(NncjException.class)
                .hasMessage(container + ": is corrupt: tensor w names external data \"w.bin\"; a container holds all of its data and"
                        + " nothing beside it is read");
        assertThat(Files.exists(folder.resolve("m.onnx"))).isFalse();
    }

    private static byte[] container(byte[] skeleton) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(NncjContainer.MAGIC);
            out.writeShort(NncjContainer.VERSION_RAW_SKELETON);
            out.writeShort(0);
            out.writeLong(skeleton.length);
            out.write(skeleton);
            out.writeInt(0);
            out.write(NncjContainer.TRAILER);
        }
        return bytes.toByteArray();
    }
}
