package dev.nncj.train.distill;

import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.train.pruning.IterativePruner;
import dev.nncj.train.trainer.Checkpoints;
import java.util.List;
import java.util.Optional;

/**
 * Recovery after a compression step (a pruning round, a factorization, sharing): the compressed
 * classifier is distilled from the uncompressed one
 * ({@link Distiller}, teacher = the original, soft targets plus hard labels as
 * {@link DistillOptions#recovery()} weighs them), on the task data. In rounds, each round is a phase
 * of the run's checkpoints: a finished round's model is kept, so a resumed run trains only the
 * round it was stopped in and those after it.
 */
public final class DistillationRecovery implements IterativePruner.Recovery {
    private final OnnxModel original;
    private final DistillData data;
    private final DistillOptions options;
    private final ProgressListener progress;

    public DistillationRecovery(OnnxModel original, DistillData data, DistillOptions options, ProgressListener progress) {
        this.original = original;
        this.data = data;
        this.options = options;
        this.progress = progress;
    }

    @Override
    public OnnxModel recover(OnnxModel pruned, int round) {
        Checkpoints checkpoints = options.training().checkpoints().inPhase(phase(round));
        OnnxModel recovered = run(pruned, options.withTraining(options.training().withCheckpoints(checkpoints))).student();
        checkpoints.recordPhase(phase(round), recovered);
        return recovered;
    }

    @Override
    public Optional<OnnxModel> finished(int round) {
        return options.training().checkpoints().finishedPhase(phase(round));
    }

    /** One recovery of {@code compressed}, with its training record (steps, losses, kept step). */
    public DistillResult run(OnnxModel compressed) {
        return run(compressed, options);
    }

    private DistillResult run(OnnxModel compressed, DistillOptions withPhase) {
        return Distiller.distill(List.of(original), compressed, data, withPhase, progress, List.of());
    }

    private static String phase(int round) {
        return "round-" + round;
    }
}
