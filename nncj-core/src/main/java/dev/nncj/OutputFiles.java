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

    /**
     * Refuses, before any work is done, an output that is the input file: a training run must not
     * find out after an hour that it may not write its result.
     */
    public static void refuseOverwriting(Path input, Path output) {
        refuseOverwriting(input, output, "the input model");
    }

    /** As {@link #refuseOverwriting(Path, Path)}, naming the input as {@code what} ("an input model" of several). */
    public static void refuseOverwriting(Path input, Path output, String what) {
        if (!Files.exists(input) || !Files.exists(output)) {
            return;
        }
        try {
            if (Files.isSameFile(input, output)) {
                throw NncjException.inFile(output, "refusing to overwrite " + what + " (choose another output, or --force)");
            }
        } catch (IOException e) {
            throw NncjException.inFile(output, "cannot compare with " + input + ": " + e.getMessage(), e);
        }
    }
}
