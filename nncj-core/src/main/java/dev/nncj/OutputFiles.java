package dev.nncj;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Temporary files that become outputs by an atomic rename. {@link Files#createTempFile} makes them
 * owner-only (0600), which the renamed output would keep; outputs are ordinary files, so these get
 * rw-r--r-- (still narrowed by the umask) where the file system has POSIX permissions.
 */
public final class OutputFiles {
    private OutputFiles() {}

    /**
     * A new empty file in {@code target}'s directory, hidden, to be renamed onto {@code target}. It is
     * registered with {@link TempFiles}: delete it with {@link TempFiles#delete} in a {@code finally}
     * (a no-op once it was renamed), and an interrupted run's shutdown hook deletes it too.
     */
    public static Path tempBeside(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        String prefix = "." + target.getFileName();
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return TempFiles.createFile(dir, prefix, ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        }
        return TempFiles.createFile(dir, prefix, ".tmp");
    }

    /** Renames a finished temporary file onto {@code target}: atomically where the file system can. */
    public static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Writes {@code text} (UTF-8) to {@code target} through a temporary file renamed into place: an
     * interrupted write leaves the previous file, never half of one, and no temporary file behind.
     */
    public static void writeAtomically(Path target, String text) {
        Path tmp = null;
        try {
            tmp = tempBeside(target);
            Files.writeString(tmp, text, java.nio.charset.StandardCharsets.UTF_8);
            moveIntoPlace(tmp, target);
        } catch (IOException e) {
            throw NncjException.inFile(target, "cannot be written: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                TempFiles.delete(tmp);
            }
        }
    }

    /**
     * Checks, before any work, that {@code output} can be written: it is not a folder or a special
     * file, and its folder is a folder this process can create files in (or, when missing, the
     * nearest existing one is, so that saving can create it). The check writes and deletes an empty
     * file there, because permission bits do not tell: root ignores them, and a read-only mount,
     * quota or ACL refuses whatever the bits say.
     */
    public static void requireWritablePlace(Path output) {
        Path absolute = output.toAbsolutePath().normalize();
        if (Files.isDirectory(absolute)) {
            throw NncjException.inFile(output, "is a folder; name a file to write");
        }
        if (Files.exists(absolute) && !Files.isRegularFile(absolute)) {
            throw NncjException.inFile(output, "exists and is not a regular file; name another output");
        }
        Path folder = absolute.getParent();
        Path existing = folder;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            throw NncjException.inFile(output, "cannot create its folder " + folder + ": no part of it exists");
        }
        if (!Files.isDirectory(existing)) {
            throw NncjException.inFile(output, existing.equals(folder) ? "its folder " + folder + " is a file, not a folder"
                    : "cannot create its folder " + folder + ": " + existing + " is a file, not a folder");
        }
        try {
            TempFiles.delete(TempFiles.createFile(existing, ".nncj-write-check-", ".tmp"));
        } catch (IOException e) {
            throw NncjException.inFile(output, "cannot write in " + existing + ": " + reason(e), e);
        }
    }

    /** "permission denied", "Read-only file system": the cause without the path the message names already. */
    private static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
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
                throw NncjException.inFile(output, "refusing to overwrite " + what + " (choose another output, or ",
                        OptionName.of("overwriteInput"), ")");
            }
        } catch (IOException e) {
            throw NncjException.inFile(output, "cannot compare with " + input + ": " + e.getMessage(), e);
        }
    }

    /** The outermost folder of {@code folder}'s path that does not exist yet (what saving there would create), or null. */
    public static Path firstMissingFolder(Path folder) {
        Path missing = null;
        for (Path p = folder; p != null && !Files.exists(p); p = p.getParent()) {
            missing = p;
        }
        return missing;
    }

    /**
     * Deletes {@code from} and its parents up to and including {@code upTo} while they are empty: the
     * folders a failed write created, and only those; stops at the first that is not empty (someone
     * else put something there meanwhile).
     */
    public static void removeEmptyFolders(Path from, Path upTo) {
        for (Path p = from; p != null && p.startsWith(upTo); p = p.getParent()) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                return;
            }
        }
    }
}
