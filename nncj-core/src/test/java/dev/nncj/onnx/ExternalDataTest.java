package dev.nncj.onnx;

import static dev.nncj.onnx.ExternalModels.W_BYTES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nncj.NncjException;
import dev.nncj.runtime.ModelFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * External data resolution: a model folder holding model.onnx whose weight w (float32 [4, 3], 48
 * bytes) lives in another file. Every refusal is one line naming model.onnx and w; a refused
 * file's bytes are never read.
 */
class ExternalDataTest {
    @TempDir
    Path dir;

    Path folder() {
        return dir.resolve("model");
    }

    @Test
    void aWeightInsideTheFolderAtAnOffsetIsRead() throws IOException {
        Path model = ExternalModels.withExternalW(folder(), "location", "sub/w.bin", "offset", "16", "length", "48");
        Files.createDirectories(folder().resolve("sub"));
        byte[] data = new byte[16 + W_BYTES];
        byte[] w = TensorProtos.toProto(TinyModels.linearRelu().graph().initializer("w").orElseThrow()).getRawData().toByteArray();
        System.arraycopy(w, 0, data, 16, W_BYTES);
        Files.write(folder().resolve("sub/w.bin"), data);

        assertThat(OnnxFiles.load(model).graph().initializer("w").orElseThrow().toFloats())
                .containsExactly(TinyModels.linearRelu().graph().initializer("w").orElseThrow().toFloats());
        assertThat(ModelFiles.totalBytes(model)).isEqualTo(Files.size(model) + data.length);
    }

    @Test
    void aLinkToAFileOutsideTheFolderIsRefusedAndNotCounted() throws IOException {
        Path secret = ExternalModels.secret(dir.resolve("secret.txt"));
        Path model = ExternalModels.withExternalW(folder(), "location", "w.bin");
        Files.createSymbolicLink(folder().resolve("w.bin"), secret);

        assertRefused(model, "external data w.bin is a symbolic link");
        assertThatThrownBy(() -> ModelFiles.totalBytes(model)).hasMessageContaining("symbolic link");
        assertThatThrownBy(() -> ModelFiles.externalDataFiles(model)).hasMessageContaining("symbolic link");
    }

    @Test
    void aLinkWithinTheFolderIsRefusedToo() throws IOException {
        // what ONNX's loader does: a link is refused wherever it points, so no target needs judging
        Path model = ExternalModels.withWeightFile(folder());
        Files.move(folder().resolve("w.bin"), folder().resolve("real.bin"));
        Files.createSymbolicLink(folder().resolve("w.bin"), Path.of("real.bin"));
        assertRefused(model, "external data w.bin is a symbolic link");
    }

    @Test
    void aLinkedDirectoryOnTheWayIsRefused() throws IOException {
        ExternalModels.secret(dir.resolve("elsewhere/w.bin"));
        Path model = ExternalModels.withExternalW(folder(), "location", "sub/w.bin");
        Files.createSymbolicLink(folder().resolve("sub"), dir.resolve("elsewhere"));
        assertRefused(model, "external data sub/w.bin is reached through a symbolic link (sub)");
    }

    @Test
    void aLocationEndingInASeparatorIsRefused() throws IOException {
        // fuzz case ext-missing:7280852015417382872: Java's Path drops the trailing '/', ONNX Runtime does not
        Path model = ExternalModels.withWeightFile(folder());
        Path trailing = ExternalModels.withExternalW(folder(), "location", "w.bin/");
        assertThat(trailing).isEqualTo(model);
        assertRefused(trailing, "external data location w.bin/ ends with a separator; it must name a file");
    }

    @Test
    void theModelFolderItselfMayBeReachedThroughALink() throws IOException {
        ExternalModels.withWeightFile(folder());
        Path linkedFolder = Files.createSymbolicLink(dir.resolve("linked"), folder());
        assertThat(OnnxFiles.load(linkedFolder.resolve("model.onnx")).graph().initializer("w")).isPresent();
    }

    @Test
    void absoluteAndParentLocationsAreRefused() throws IOException {
        Path secret = ExternalModels.secret(dir.resolve("secret.bin"));
        assertRefused(ExternalModels.withExternalW(folder(), "location", secret.toString()), "is absolute");
        assertRefused(ExternalModels.withExternalW(folder(), "location", "../secret.bin"), "points outside the model's folder");
        assertRefused(ExternalModels.withExternalW(folder(), "location", "sub/../../secret.bin"), "points outside the model's folder");
        // ONNX Runtime's in-memory address form: an offset into the process's memory, never a file
        assertRefused(ExternalModels.withExternalW(folder(), "location", "*/_ORT_MEM_ADDR_/*", "offset", "4096"), "not found");
    }

    @Test
    void aDirectoryIsNotAWeightFile() throws IOException {
        Path model = ExternalModels.withExternalW(folder(), "location", "w.bin");
        Files.createDirectories(folder().resolve("w.bin"));
        assertRefused(model, "external data w.bin is not a regular file (a directory)");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // a guard against hanging the suite, not a speed bound
    void aFifoIsRefusedWithoutBeingOpened() throws Exception {
        Path model = ExternalModels.withExternalW(folder(), "location", "w.bin");
        assumeTrue(mkfifo(folder().resolve("w.bin")), "mkfifo is not available on this machine");
        assertRefused(model, "external data w.bin is not a regular file (a FIFO, socket or device)");
        assertThatThrownBy(() -> ModelFiles.totalBytes(model)).hasMessageContaining("not a regular file");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "offset | -1                   | external data offset -1 is negative",
        "offset | abc                  | external data offset 'abc' is not a whole number of bytes",
        "offset | 99999999999999999999 | external data offset '99999999999999999999' is not a whole number of bytes",
        "length | -48                  | external data length -48 is negative",
        "length | 40                   | external data length 40, but its float32 shape [4, 3] needs 48 bytes",
        "offset | 8                    | external data in w.bin ends at byte 56 but the file has 48 (truncated?)",
        "offset | 9223372036854775807  | external data in w.bin ends at byte beyond 2^63 but the file has 48",
    })
    void rangesOutsideTheFileAreRefused(String key, String value, String reason) throws IOException {
        Path model = ExternalModels.withWeightFile(folder());
        Path edited = ExternalModels.withExternalW(folder(), "location", "w.bin", key, value);
        assertThat(edited).isEqualTo(model);
        assertRefused(model, reason);
    }

    @Test
    void aMissingLocationOrFileIsOneLine() throws IOException {
        assertRefused(ExternalModels.withExternalW(folder(), "offset", "0"), "external, but names no location");
        assertRefused(ExternalModels.withExternalW(folder(), "location", "nope.bin"), "external data file nope.bin not found");
    }

    /** One line "FOLDER/model.onnx: tensor w: REASON" from NNCJ's reader and from the check before ONNX Runtime. */
    static void assertRefused(Path model, String reason) {
        for (Runnable read : new Runnable[] {() -> OnnxFiles.load(model), () -> ModelFiles.externalDataFiles(model)}) {
            assertThatThrownBy(read::run)
                    .isInstanceOf(NncjException.class)
                    .hasMessageStartingWith(model + ": tensor w: ")
                    .hasMessageContaining(reason)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain(ExternalModels.MARKER));
        }
    }

    /** Makes a FIFO with mkfifo(1); false when the command is missing. */
    static boolean mkfifo(Path path) throws InterruptedException {
        try {
            return new ProcessBuilder("mkfifo", path.toString()).inheritIO().start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
