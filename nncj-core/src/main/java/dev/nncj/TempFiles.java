package dev.nncj;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The one registry of the temporary files and folders NNCJ makes: partial outputs beside a target,
 * calibration and profiling folders, staged models. Whoever creates one deletes it when done (a
 * {@code finally}, or try-with-resources on {@link Temp}); what is still registered when the JVM
 * shuts down, because SIGTERM or SIGINT ended the run mid-way, a shutdown hook deletes, so an
 * interrupted run leaves no hidden {@code .X.tmp} or {@code /tmp/nncj-*} behind.
 *
 * <p>A SIGKILL or a JVM crash runs no hook; nothing can clean up after those.
 */
public final class TempFiles {
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();
    private static volatile boolean shuttingDown;

    private TempFiles() {}

    /** A registered temporary file or folder; closing it deletes it (a folder with all it holds). */
    public static final class Temp implements AutoCloseable {
        private final Path path;

        private Temp(Path path) {
            this.path = path;
        }

        public Path path() {
            return path;
        }

        @Override
        public void close() {
            delete(path);
        }
    }

    /** A new empty file in {@code dir} (see {@link Files#createTempFile(Path, String, String, FileAttribute[])}). */
    public static Path createFile(Path dir, String prefix, String suffix, FileAttribute<?>... attributes)
            throws IOException {
        Hook.install();
        return register(Files.createTempFile(dir, prefix, suffix, attributes));
    }

    /** A new empty folder in {@code dir}. */
    public static Path createDirectory(Path dir, String prefix) throws IOException {
        Hook.install();
        return register(Files.createTempDirectory(dir, prefix));
    }

    /** A new empty folder in the system's temporary folder ({@code java.io.tmpdir}). */
    public static Path createDirectory(String prefix) throws IOException {
        Hook.install();
        return register(Files.createTempDirectory(prefix));
    }

    /** As {@link #createDirectory(Path, String)}, as a handle for try-with-resources. */
    public static Temp directory(Path dir, String prefix) throws IOException {
        return new Temp(createDirectory(dir, prefix));
    }

    /** As {@link #createDirectory(String)}, as a handle for try-with-resources. */
    public static Temp directory(String prefix) throws IOException {
        return new Temp(createDirectory(prefix));
    }

    /**
     * Deletes {@code path} (a folder with everything in it) and forgets it. Never throws: this runs in
     * {@code finally} blocks, where a cleanup failure must not hide the error that got there; whatever
     * could not be deleted stays registered for the shutdown hook's second try.
     */
    public static void delete(Path path) {
        if (deleteTree(path)) {
            LIVE.remove(path);
        }
    }

    /**
     * Forgets {@code path} without deleting it: it was renamed into place as an output, or its owner
     * keeps it on purpose (a checkpoint worth resuming from).
     */
    public static void keep(Path path) {
        LIVE.remove(path);
    }

    /**
     * Whether the JVM has begun shutting down (SIGTERM, SIGINT) while a run goes on: its threads keep
     * going for a moment, and what fails then failed because its files were deleted under it, not
     * because of the user's input, so it is no error to report.
     */
    public static boolean shuttingDown() {
        return shuttingDown;
    }

    /** What is registered now, for tests. */
    static List<Path> live() {
        return List.copyOf(LIVE);
    }

    private static Path register(Path path) {
        LIVE.add(path);
        return path;
    }

    /** Deletes a file or a folder tree; true when nothing is left at {@code path}. */
    private static boolean deleteTree(Path path) {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return true;
        }
        try (Stream<Path> walk = Files.walk(path)) { // walk does not follow links: a link's target is not ours
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (NoSuchFileException ignored) {
                    // gone meanwhile
                }
            }
            return true;
        } catch (IOException | java.io.UncheckedIOException | SecurityException e) {
            return !Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** Deletes everything still registered; the shutdown hook's body. */
    static void deleteAll() {
        shuttingDown = true;
        for (Path path : List.copyOf(LIVE)) {
            delete(path);
        }
    }

    /** The shutdown hook, installed once, on the first temporary file. */
    private static final class Hook {
        static {
            try {
                Runtime.getRuntime().addShutdownHook(new Thread(TempFiles::deleteAll, "nncj-temp-files"));
            } catch (IllegalStateException alreadyShuttingDown) {
                // a file made while the JVM shuts down is deleted by its owner's finally, or not at all
            }
        }

        static void install() {
            // loading the class ran the static block
        }
    }
}
