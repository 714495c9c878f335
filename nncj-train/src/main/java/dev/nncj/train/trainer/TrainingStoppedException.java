package dev.nncj.train.trainer;

import dev.nncj.NncjException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Training stopped at a step boundary because a {@link StopRequest} asked it to (SIGTERM, SIGINT);
 * the checkpoint written there, when the run keeps checkpoints, continues it to the weights an
 * uninterrupted run ends with.
 */
public final class TrainingStoppedException extends NncjException {
    private static final long serialVersionUID = 1L;
    private final int step;
    private final transient Path checkpoint;

    TrainingStoppedException(int step, int totalSteps, String phase, Path checkpoint) {
        super("training stopped on request at step " + step + " of " + totalSteps + (phase.isEmpty() ? "" : " (" + phase + ")")
                + (checkpoint == null ? "; no checkpoint folder was set, so nothing was kept"
                        : "; its checkpoint is in " + checkpoint));
        this.step = step;
        this.checkpoint = checkpoint;
    }

    /** Steps taken before the stop. */
    public int step() {
        return step;
    }

    /** The checkpoint folder that continues the run, when it keeps one. */
    public Optional<Path> checkpoint() {
        return Optional.ofNullable(checkpoint);
    }
}
