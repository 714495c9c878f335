package dev.nncj;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Temporary files that become outputs by an atomic rename. {@link Files#createTempFile} makes them
 * owner-only (0600), which the renamed output would keep; outputs are ordinary files, so these get
 * rw-r--r-- (still narrowed by the umask) where the file system has POSIX permissions.
 */
public final class OutputFiles {
    private OutputFiles() {}

    /** A new empty file in {@code target}'s directory, hidden, to be renamed onto {@code target}. */
    public static Path tempBeside(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        String prefix = "." + target.getFileName();
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return Files.createTempFile(dir, prefix, ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        }
        return Files.createTempFile(dir, prefix, ".tmp");
    }
}
