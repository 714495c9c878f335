package dev.nncj.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxFilesTest {
    @TempDir
    Path dir;

    /** Outputs are ordinary files others may read, not owner-only like the temp files they start as. */
    @Test
    void savedFilesAreReadableByOthers() throws IOException {
        Path file = dir.resolve("m.onnx");
        OnnxFiles.save(TinyModels.linearRelu(), file);
        assertThat(Files.getPosixFilePermissions(file)).contains(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                java.nio.file.attribute.PosixFilePermission.OWNER_WRITE, java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
    }

    @Test
    void saveThenLoadKeepsGraphTensorsOpsetsAndMetadata() {
        OnnxModel m = TinyModels.linearRelu();
        m.putMetadata("nncj.version", "test");
        m.setProducer("nncj", "0.1");
        Path file = dir.resolve("m.onnx");
        OnnxFiles.save(m, file);
        OnnxModel back = OnnxFiles.load(file);
        assertThat(back.opset()).isEqualTo(17);
        assertThat(back.metadata()).containsEntry("nncj.version", "test");
        assertThat(back.producerName()).isEqualTo("nncj");
        assertThat(back.graph().nodes()).hasSize(m.graph().nodes().size());
        assertThat(back.graph().initializer("w").orElseThrow().toFloats())
                .containsExactly(m.graph().initializer("w").orElseThrow().toFloats());
        assertThat(back.source()).contains(file.toAbsolutePath());
        try (var stream = Files.list(dir)) {
            assertThat(stream.map(p -> p.getFileName().toString())).containsExactly("m.onnx"); // no temp left
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    void externalDataIsWrittenBesideTheModelAndReadBack() throws IOException {
        OnnxModel m = TinyModels.linearRelu();
        Path file = dir.resolve("ext.onnx");
        OnnxFiles.save(m, file, new SaveOptions(false, SaveOptions.ExternalData.ALWAYS, 0));
        assertThat(dir.resolve("ext.onnx.data")).exists();
        var proto = OnnxFiles.readProto(file);
        assertThat(proto.getGraph().getInitializerList())
                .allSatisfy(t -> assertThat(t.getRawData().isEmpty()).isTrue());
        OnnxModel back = OnnxFiles.load(file);
        assertThat(back.graph().initializer("b").orElseThrow().toFloats()).containsExactly(0.1f, -0.2f, 0.3f);
        assertThat(dev.nncj.runtime.ModelFiles.externalDataLocations(file)).containsExactly("ext.onnx.data");
    }

    @Test
    void refusesToOverwriteItsInputUnlessForced() {
        Path file = dir.resolve("in.onnx");
        OnnxFiles.save(TinyModels.linearRelu(), file);
        OnnxModel loaded = OnnxFiles.load(file);
        assertThatThrownBy(() -> OnnxFiles.save(loaded, file))
                .isInstanceOf(NncjException.class)
                .hasMessageContaining("in.onnx").hasMessageContaining("refusing to overwrite the input");
        OnnxFiles.save(loaded, file, SaveOptions.defaults().withOverwriteInput(true));
        assertThat(OnnxFiles.load(file).graph().nodes()).hasSize(loaded.graph().nodes().size());
    }

    @Test
    void aModelWhoseSourceWasDeletedSavesOverAnExistingFile() throws IOException {
        // a training run returns the model of a checkpoint it has deleted; its output then goes to an existing temp file
        Path checkpoint = dir.resolve("checkpoint.onnx");
        OnnxFiles.save(TinyModels.linearRelu(), checkpoint);
        OnnxModel trained = OnnxFiles.load(checkpoint);
        Files.delete(checkpoint);
        Path existing = Files.createTempFile(dir, ".out-", ".onnx");
        OnnxFiles.save(trained, existing);
        assertThat(OnnxFiles.isSourceOf(trained, existing)).isFalse();
        assertThat(OnnxFiles.load(existing).graph().nodes()).hasSize(trained.graph().nodes().size());
        dev.nncj.sparsity.NncjContainer.write(trained, dir.resolve("out.nncj"));
        assertThat(dir.resolve("out.nncj")).exists();
    }

    @Test
    void missingFileNotOnnxAndTruncatedFilesGiveOneLineErrors() throws IOException {
        assertThatThrownBy(() -> OnnxFiles.load(dir.resolve("nope.onnx")))
                .isInstanceOf(NncjException.class).hasMessageEndingWith("nope.onnx: file not found");

        Path text = dir.resolve("notes.onnx");
        Files.writeString(text, "this is a text file, not a model\n");
        assertThatThrownBy(() -> OnnxFiles.load(text))
                .isInstanceOf(NncjException.class).hasMessageContaining("notes.onnx: is not an ONNX model")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

        Path good = dir.resolve("good.onnx");
        OnnxFiles.save(TinyModels.linearRelu(), good);
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = dir.resolve("cut.onnx");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> OnnxFiles.load(truncated))
                .isInstanceOf(NncjException.class).hasMessageContaining("cut.onnx: is truncated or corrupt");

        Path empty = dir.resolve("empty.onnx");
        Files.write(empty, new byte[0]);
        assertThatThrownBy(() -> OnnxFiles.load(empty)).hasMessageContaining("empty.onnx: is not an ONNX model");
    }
}
