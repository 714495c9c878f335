package dev.nncj.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.onnx.ExternalData;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.SaveOptions;
import dev.nncj.onnx.TinyModels;
import dev.nncj.onnx.UnloadableModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A model takes its output's name only after ONNX Runtime loaded it (and the caller's step passed). */
class StagedModelTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(UnloadableModels.class)
    void aModelOnnxRuntimeRefusesIsNeverWritten(UnloadableModels broken) {
        OnnxModel model = OnnxFiles.fromProto(broken.proto(), ExternalData.inFolder(dir));
        Path out = dir.resolve("out.onnx");
        assertThatThrownBy(() -> StagedModel.save(model, out, SaveOptions.defaults()))
                .isInstanceOf(NncjException.class)
                .hasMessageStartingWith(out + ": ONNX Runtime could not load the result, so it was not written: ")
                .hasMessageNotContaining("\n");
        assertThat(files(dir)).isEmpty();
    }

    @Test
    void aLoadableModelIsMovedIntoPlaceAfterTheStep() throws IOException {
        Path out = dir.resolve("m.onnx");
        Path[] seen = new Path[1];
        long size = StagedModel.save(TinyModels.linearRelu(), out, SaveOptions.defaults(), staged -> {
            seen[0] = staged;
            assertThat(out).doesNotExist(); // measured before the rename
            return ModelFiles.totalBytes(staged);
        });
        assertThat(seen[0].getFileName().toString()).isEqualTo("m.onnx"); // staged under its own name
        assertThat(Files.size(out)).isEqualTo(size);
        assertThat(files(dir)).containsExactly("m.onnx");
        // an ordinary file others may read, not owner-only like the hidden folder it was staged in
        assertThat(Files.getPosixFilePermissions(out)).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
    }

    /** External data names its file relative to the model; staged together, they move together. */
    @Test
    void externalDataIsLoadedWhereItIsStagedAndMovedWithTheModel() throws IOException {
        Path out = dir.resolve("ext.onnx");
        StagedModel.save(TinyModels.linearRelu(), out, new SaveOptions(false, SaveOptions.ExternalData.ALWAYS, 0));
        assertThat(files(dir)).containsExactlyInAnyOrder("ext.onnx", "ext.onnx.data");
        assertThat(ModelFiles.externalDataLocations(out)).containsExactly("ext.onnx.data");
        try (var session = OrtSessions.open(out, RuntimeOptions.defaults())) {
            assertThat(session.getInputNames()).containsExactly("x");
        } catch (ai.onnxruntime.OrtException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aFailingStepLeavesNoOutputAndItsMessageNamesTheOutputNotTheStagedFile() {
        Path out = dir.resolve("new/sub/m.onnx");
        assertThatThrownBy(() -> StagedModel.save(TinyModels.linearRelu(), out, SaveOptions.defaults(), staged -> {
            throw NncjException.inFile(staged, "the metric could not be measured");
        })).hasMessage(out + ": the metric could not be measured");
        assertThat(files(dir)).isEmpty(); // not even the folders made for it
    }

    @Test
    void theInputIsNotOverwrittenUnlessAsked() throws IOException {
        Path in = dir.resolve("in.onnx");
        OnnxFiles.save(TinyModels.linearRelu(), in);
        byte[] before = Files.readAllBytes(in);
        OnnxModel model = OnnxFiles.load(in);
        assertThatThrownBy(() -> StagedModel.save(model, in, SaveOptions.defaults()))
                .hasMessageContaining("refusing to overwrite the input model");
        assertThat(Files.readAllBytes(in)).isEqualTo(before);
        StagedModel.save(model, in, SaveOptions.defaults().withOverwriteInput(true));
        assertThat(files(dir)).containsExactly("in.onnx");
    }

    /** Everything in {@code dir}, recursively, hidden files too, relative to it. */
    static List<String> files(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
