package dev.nncj.train.trainer;

import dev.nncj.NncjException;
import dev.nncj.onnx.OnnxModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where a training run keeps its checkpoints and whether it continues one ({@link CheckpointFolder}
 * describes the files). A run with a folder writes a checkpoint after every evaluation interval and
 * when a {@link StopRequest} stops it, and resumed from it ends with the weights of an uninterrupted
 * run; whoever saves the run's result removes the folder then ({@link #remove()}). Without a folder
 * ({@link #none()}) nothing is written anywhere: the best weights stay in memory and a stop keeps
 * nothing.
 *
 * @param folder the checkpoint folder, or null for none
 * @param resume continue from the folder's latest checkpoint
 * @param fingerprint identifies the run (its options and the content of its input and data files)
 * @param phase the part of a multi-part run being trained ("round-2" of iterative pruning), "" for a
 *     run of one part: a checkpoint is resumed only by its own phase
 * @param announce told the folder when a training loop starts keeping checkpoints in it
 */
public record Checkpoints(Path folder, boolean resume, String fingerprint, String phase, Consumer<Path> announce) {
    public Checkpoints {
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(announce, "announce");
    }

    /** No checkpoints: nothing is written, nothing can be resumed. */
    public static Checkpoints none() {
        return new Checkpoints(null, false, "", "", f -> {});
    }

    /** A new run keeping its checkpoints in {@code folder}, which must not exist yet (an interrupted run's is kept). */
    public static Checkpoints startingIn(Path folder, String fingerprint) {
        if (Files.exists(folder)) {
            throw NncjException.inFile(folder, "holds the checkpoint of an interrupted run: continue that run from it, or"
                    + " delete the folder to start over");
        }
        return new Checkpoints(folder, false, fingerprint, "", f -> {});
    }

    /** Continues the run whose checkpoints are in {@code folder}; refused when it is not one, or another run's. */
    public static Checkpoints resuming(Path folder, String fingerprint) {
        CheckpointFolder.checkResumable(folder, fingerprint);
        return new Checkpoints(folder, true, fingerprint, "", f -> {});
    }

    /**
     * The run whose checkpoints are in {@code folder}: continued when the folder holds one (refused
     * when it is another run's), else started there. For a caller that names each run's folder itself
     * and continues whatever an interrupted process left.
     */
    public static Checkpoints continuingIn(Path folder, String fingerprint) {
        if (Files.isRegularFile(folder.resolve(CheckpointFolder.RUN_FILE))) {
            return resuming(folder, fingerprint);
        }
        if (Files.exists(folder)) {
            new CheckpointFolder(folder).remove(); // created, never written: nothing to continue
        }
        return new Checkpoints(folder, false, fingerprint, "", f -> {});
    }

    /** Removes {@code folder} with every run's checkpoints in it: for a caller keeping a folder per run, all done. */
    public static void removeAll(Path folder) {
        CheckpointFolder.deleteRecursively(folder);
    }

    public Checkpoints inPhase(String value) {
        return new Checkpoints(folder, resume, fingerprint, value, announce);
    }

    public Checkpoints announcingTo(Consumer<Path> value) {
        return new Checkpoints(folder, resume, fingerprint, phase, value);
    }

    public boolean enabled() {
        return folder != null;
    }

    /** Removes the folder and everything in it: the run's result is saved, nothing is left to resume. */
    public void remove() {
        if (enabled()) {
            files().remove();
        }
    }

    /** The model phase {@code name} of this run produced before it was interrupted, when it finished. */
    public Optional<OnnxModel> finishedPhase(String name) {
        return enabled() && resume ? files().phaseResult(name) : Optional.empty();
    }

    /** Keeps what phase {@code name} produced, so that a resumed run does not train it again. */
    public void recordPhase(String name, OnnxModel result) {
        if (enabled()) {
            files().recordPhase(fingerprint, name, result);
        }
    }

    CheckpointFolder files() {
        return new CheckpointFolder(folder);
    }
}
