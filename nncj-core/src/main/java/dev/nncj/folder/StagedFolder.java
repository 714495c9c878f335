package dev.nncj.folder;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nncj.NncjException;
import dev.nncj.OutputFiles;
import dev.nncj.TempFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.SaveOptions;
import dev.nncj.runtime.StagedModel;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Writes a model folder whole or not at all. Everything is written into a hidden folder beside OUT
 * ({@code .OUT-123/}): the model through {@link StagedModel} (so ONNX Runtime loads it and the caller
 * measures it there), then the companion files and the rewritten config; only then is that folder
 * renamed to OUT. A failure anywhere deletes it, and an interrupted run's shutdown hook does too
 * ({@link TempFiles}), so no half folder is ever found under OUT's name.
 *
 * <p>OUT must not exist or be an empty folder: replacing a folder would mean deleting what a user
 * keeps there, and a folder cannot be replaced atomically.
 */
public final class StagedFolder {
    private StagedFolder() {}

    /** What goes beside the model: files copied by their new names, and the config written, if any. */
    public record Contents(Map<String, Path> files, Optional<ObjectNode> config) {
        public Contents {
            files = Map.copyOf(files);
        }
    }

    /** The check before any work: OUT can become a model folder. */
    public static void requirePlace(Path folder) {
        Path absolute = folder.toAbsolutePath().normalize();
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw NncjException.inFile(folder, "exists and is not a folder; name a new folder for the model folder");
        }
        if (Files.isDirectory(absolute) && !isEmpty(absolute)) {
            throw NncjException.inFile(folder, "is a folder that is not empty; name a new or empty folder"
                    + " (a model folder is written whole, and nothing there is replaced)");
        }
        // the folder is staged beside OUT: that is the place that must take new files
        OutputFiles.requireWritablePlace(absolute.resolveSibling("." + absolute.getFileName() + ".check"));
    }

    /**
     * Writes {@code model} as OUT/model.onnx with {@code contents} beside it, runs {@code beforeRename}
     * on the staged model file (a measurement) and then gives the folder OUT's name.
     */
    public static <T> T save(OnnxModel model, Path folder, SaveOptions options, Contents contents,
                             Function<Path, T> beforeRename) {
        requirePlace(folder);
        Path absolute = folder.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        Path created = OutputFiles.firstMissingFolder(parent);
        boolean moved = false;
        TempFiles.Temp stage = null;
        try {
            Files.createDirectories(parent);
            stage = TempFiles.directory(parent, "." + absolute.getFileName() + "-");
            openToOthers(stage.path());
            T result;
            try {
                result = StagedModel.save(model, stage.path().resolve(ModelFolder.MODEL_FILE), options, beforeRename);
            } catch (NncjException e) {
                throw renamed(e, stage.path(), absolute);
            }
            for (Map.Entry<String, Path> file : contents.files().entrySet()) {
                Files.copy(file.getValue(), stage.path().resolve(file.getKey()), StandardCopyOption.REPLACE_EXISTING);
            }
            if (contents.config().isPresent()) {
                Files.write(stage.path().resolve(ModelFolder.CONFIG_FILE), HfConfig.bytes(contents.config().get()));
            }
            moveIntoPlace(stage.path(), absolute);
            TempFiles.keep(stage.path());
            moved = true;
            return result;
        } catch (IOException e) {
            throw NncjException.inFile(folder, "cannot write: " + e.getMessage(), e);
        } finally {
            if (stage != null && !moved) {
                stage.close();
            }
            if (!moved && created != null) {
                OutputFiles.removeEmptyFolders(parent, created);
            }
        }
    }

    /** An error naming the staged folder, naming the folder the user asked for instead. */
    private static NncjException renamed(NncjException e, Path staged, Path target) {
        String message = e.getMessage();
        return message != null && message.contains(staged.toString())
                ? new NncjException(message.replace(staged.toString(), target.toString()), e) : e;
    }

    /** Renames the staged folder to OUT; an empty folder at OUT gives way (an atomic rename cannot replace it on every system). */
    private static void moveIntoPlace(Path stage, Path target) throws IOException {
        if (Files.isDirectory(target)) {
            try {
                Files.delete(target);
            } catch (DirectoryNotEmptyException e) {
                throw new IOException(target + " is no longer empty; nothing was replaced", e);
            }
        }
        try {
            Files.move(stage, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(stage, target);
        }
    }

    /** A temporary folder is owner-only; an output folder is an ordinary folder (still narrowed by the umask). */
    private static void openToOthers(Path folder) throws IOException {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static boolean isEmpty(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.findAny().isEmpty();
        } catch (IOException e) {
            throw NncjException.inFile(folder, "cannot list: " + e.getMessage(), e);
        }
    }

}
