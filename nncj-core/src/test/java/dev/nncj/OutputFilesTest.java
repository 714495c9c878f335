package dev.nncj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The output place is checked before any work, by trying it, and the check leaves nothing behind. */
class OutputFilesTest {
    @TempDir
    Path dir;

    @Test
    void aFileInAnExistingOrCreatableFolderPassesAndTheProbeIsGone() throws IOException {
        OutputFiles.requireWritablePlace(dir.resolve("m.onnx"));
        OutputFiles.requireWritablePlace(dir.resolve("new/sub/m.onnx")); // saving creates the folders
        try (Stream<Path> list = Files.list(dir)) {
            assertThat(list).isEmpty(); // neither a probe file nor a folder made early
        }
    }

    @Test
    void anAtomicWriteReplacesTheFileWholeAndAFailedOneLeavesNoTemporaryFile() throws IOException {
        Path file = dir.resolve("state.json");
        OutputFiles.writeAtomically(file, "first");
        OutputFiles.writeAtomically(file, "second, longer");
        assertThat(Files.readString(file)).isEqualTo("second, longer");
        Path folder = Files.createDirectory(dir.resolve("taken")); // a folder cannot be replaced by a file
        assertThatThrownBy(() -> OutputFiles.writeAtomically(folder, "x"))
                .isInstanceOf(NncjException.class).hasMessageStartingWith(folder + ": cannot be written");
        try (Stream<Path> list = Files.list(dir)) {
            assertThat(list).containsExactlyInAnyOrder(file, folder);
        }
    }

    @Test
    void aFolderIsRefused() {
        assertThatThrownBy(() -> OutputFiles.requireWritablePlace(dir))
                .isInstanceOf(NncjException.class).hasMessage(dir + ": is a folder; name a file to write");
    }

    @Test
    void aFolderThatIsAFileIsRefusedWhetherItIsTheParentOrFurtherUp() throws IOException {
        Path file = Files.writeString(dir.resolve("notes.txt"), "x");
        Path direct = file.resolve("m.onnx");
        assertThatThrownBy(() -> OutputFiles.requireWritablePlace(direct))
                .hasMessage(direct + ": its folder " + file + " is a file, not a folder");
        Path deeper = file.resolve("missing/m.onnx");
        assertThatThrownBy(() -> OutputFiles.requireWritablePlace(deeper))
                .hasMessage(deeper + ": cannot create its folder " + file.resolve("missing") + ": " + file
                        + " is a file, not a folder");
    }

    /**
     * Permission bits refuse only a user other than root; as root (containers, CI) this case cannot
     * happen, and the folder-is-a-file cases above exercise the same probe.
     */
    @Test
    void aReadOnlyFolderIsRefusedByTryingIt() throws IOException {
        Path readOnly = Files.createDirectory(dir.resolve("ro"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeFalse(Files.isWritable(readOnly), "running as root: permission bits do not refuse writes");
            Path out = readOnly.resolve("m.onnx");
            assertThatThrownBy(() -> OutputFiles.requireWritablePlace(out))
                    .hasMessage(out + ": cannot write in " + readOnly + ": permission denied");
        } finally {
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
