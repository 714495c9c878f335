package dev.nncj.runtime;

import ai.onnxruntime.OrtSession;
import dev.nncj.NncjException;
import dev.nncj.OutputFiles;
import dev.nncj.TempFiles;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.SaveOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A model that takes its output's name only once ONNX Runtime has loaded it. Commands that promise a
 * runnable model must not leave a file ORT refuses (a cycle, an unknown domain, an IR version or
 * opset ORT lacks, a dangling input), nor one whose measurement then failed.
 *
 * <p>The model is written into a hidden folder beside the target ({@code .OUT.onnx-123/}) under the
 * target's own name, so external data, which a model names relative to itself, sits where the model
 * expects it, and progress lines name the file the user asked for. An ORT session opened on it in
 * this process is the check; the caller may then measure the staged file; only then does
 * {@link #moveIntoPlace()} rename its files beside the target, the model last. Closing deletes the
 * staging folder (and any folder created for the target, if the model never got there); the folder is
 * registered with {@link TempFiles}, so an interrupted run leaves nothing either.
 */
public final class StagedModel implements AutoCloseable {
    private final Path target;
    private final TempFiles.Temp stage;
    private final Path file;
    private final Path createdFolder;
    private boolean moved;

    private StagedModel(Path target, TempFiles.Temp stage, Path createdFolder) {
        this.target = target;
        this.stage = stage;
        this.file = stage.path().resolve(target.getFileName().toString());
        this.createdFolder = createdFolder;
    }

    /**
     * Writes {@code model} for {@code target} and checks ONNX Runtime loads it, or deletes it and throws
     * "TARGET: ONNX Runtime could not load the result: ...". The target is refused, as by
     * {@link OnnxFiles#save}, when it is the model's own source and the options do not allow that.
     */
    public static StagedModel write(OnnxModel model, Path target, SaveOptions options) {
        Path absolute = target.toAbsolutePath();
        OnnxFiles.refuseOverwritingInput(model, absolute, options);
        Path folder = absolute.getParent();
        Path created = OutputFiles.firstMissingFolder(folder);
        StagedModel staged;
        try {
            Files.createDirectories(folder);
            staged = new StagedModel(target, TempFiles.directory(folder, "." + absolute.getFileName() + "-"), created);
        } catch (IOException e) {
            throw NncjException.inFile(target, "cannot write: " + e.getMessage(), e);
        }
        try {
            staged.check(written -> {
                OnnxFiles.save(model, written, options);
                requireLoads(written, target);
                return null;
            });
            return staged;
        } catch (RuntimeException | Error e) {
            staged.close();
            throw e;
        }
    }

    /**
     * Writes, checks, runs {@code beforeRename} on the staged file (a measurement: what fails there
     * must not leave an output either), moves the model into place and returns what the step returned.
     */
    public static <T> T save(OnnxModel model, Path target, SaveOptions options, Function<Path, T> beforeRename) {
        try (StagedModel staged = write(model, target, options)) {
            T result = staged.check(beforeRename);
            staged.moveIntoPlace();
            return result;
        }
    }

    /** As {@link #save(OnnxModel, Path, SaveOptions, Function)} with nothing to run before the rename. */
    public static void save(OnnxModel model, Path target, SaveOptions options) {
        save(model, target, options, written -> null);
    }

    /** The staged model file, to measure before it is moved into place. */
    public Path file() {
        return file;
    }

    /**
     * Runs {@code step} on the staged file. Its one-line errors name the target instead of the hidden
     * staged path: that is the file the user asked for and will look for.
     */
    public <T> T check(Function<Path, T> step) {
        try {
            return step.apply(file);
        } catch (NncjException e) {
            String message = e.getMessage();
            if (message == null || !message.contains(file.toString())) {
                throw e;
            }
            throw new NncjException(message.replace(file.toString(), target.toString()), e);
        }
    }

    /** Renames the staged files beside the target, the model itself last, so it never names missing data. */
    public void moveIntoPlace() {
        Path folder = target.toAbsolutePath().getParent();
        try {
            List<Path> written;
            try (Stream<Path> files = Files.list(stage.path())) {
                written = files.filter(p -> !p.equals(file)).toList();
            }
            for (Path p : written) {
                OutputFiles.moveIntoPlace(p, folder.resolve(p.getFileName().toString()));
            }
            OutputFiles.moveIntoPlace(file, target.toAbsolutePath());
            moved = true;
        } catch (IOException e) {
            throw NncjException.inFile(target, "cannot write: " + e.getMessage(), e);
        }
    }

    /** Deletes whatever is still staged, and a folder made for the target if the model never got there. */
    @Override
    public void close() {
        stage.close();
        if (!moved && createdFolder != null) {
            OutputFiles.removeEmptyFolders(target.toAbsolutePath().getParent(), createdFolder);
        }
    }

    private static void requireLoads(Path written, Path target) {
        try (OrtSession session = OrtSessions.open(written, RuntimeOptions.defaults())) {
            session.getNumInputs(); // opening it is the check
        } catch (NncjException e) {
            Throwable ort = e.getCause() != null ? e.getCause() : e;
            throw NncjException.inFile(target, "ONNX Runtime could not load the result, so it was not written: "
                    + OrtMessages.firstLine(ort), e);
        } catch (ai.onnxruntime.OrtException e) {
            throw NncjException.inFile(target, "ONNX Runtime could not load the result, so it was not written: "
                    + OrtMessages.firstLine(e), e);
        }
    }

}
