package dev.nncj.train.distill;

import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.train.pruning.IterativePruner;
import dev.nncj.train.trainer.Checkpoints;
import dev.nncj.train.trainer.TrainingListener;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The one way a compressed classifier is trained back to the task: distilled from the uncompressed
 * one ({@link Distiller}, teacher = the original, soft targets plus hard labels as
 * {@link DistillOptions#recovery()} weighs them), on the task data. Every method that recovers goes
 * through here: after a compression step (a pruning round, a factorization, sharing; {@link #run(OnnxModel)})
 * and while compressing (movement pruning's masks, quantization-aware training's fake quantization:
 * {@link #run(OnnxModel, StudentSetup, List)}). In rounds ({@link IterativePruner}), each round is a
 * phase of the run's checkpoints: a finished round's model is kept, so a resumed run trains only
 * the round it was stopped in and those after it.
 */
public final class DistillationRecovery implements IterativePruner.Recovery {
    private final OnnxModel original;
    /** Read when a training runs: data that is costly to make (rewritten text) is not made for a run that never starts. */
    private final Supplier<DistillData> data;
    private final DistillOptions options;
    private final ProgressListener progress;

    public DistillationRecovery(OnnxModel original, DistillData data, DistillOptions options, ProgressListener progress) {
        this(original, () -> data, options, progress);
    }

    private DistillationRecovery(OnnxModel original, Supplier<DistillData> data, DistillOptions options,
            ProgressListener progress) {
        this.original = original;
        this.data = data;
        this.options = options;
        this.progress = progress;
    }

    /** A recovery whose data {@code data} makes when (and each time) a training starts: cache it there if it is costly. */
    public static DistillationRecovery readingWhenRun(OnnxModel original, Supplier<DistillData> data, DistillOptions options,
            ProgressListener progress) {
        return new DistillationRecovery(original, data, options, progress);
    }

    /** This recovery, its training keeping checkpoints as {@code checkpoints} says. */
    public DistillationRecovery withCheckpoints(Checkpoints checkpoints) {
        return new DistillationRecovery(original, data, options.withTraining(options.training().withCheckpoints(checkpoints)),
                progress);
    }

    /** This recovery, its training's steps told to {@code progress}. */
    public DistillationRecovery withProgress(ProgressListener progress) {
        return new DistillationRecovery(original, data, options, progress);
    }

    @Override
    public OnnxModel recover(OnnxModel pruned, int round) {
        Checkpoints checkpoints = options.training().checkpoints().inPhase(phase(round));
        DistillOptions inPhase = options.withTraining(options.training().withCheckpoints(checkpoints));
        OnnxModel recovered = new DistillationRecovery(original, data, inPhase, progress).run(pruned).student();
        checkpoints.recordPhase(phase(round), recovered);
        return recovered;
    }

    @Override
    public Optional<OnnxModel> finished(int round) {
        return options.training().checkpoints().finishedPhase(phase(round));
    }

    /** One recovery of {@code compressed}, with its training record (steps, losses, kept step). */
    public DistillResult run(OnnxModel compressed) {
        return run(compressed, StudentSetup.standard(), List.of());
    }

    /**
     * As {@link #run(OnnxModel)}, the student run as {@code setup} says (its own kernels, parameter
     * groups, the first evaluation that counts) and {@code listeners} told of every step.
     */
    public DistillResult run(OnnxModel compressed, StudentSetup setup, List<TrainingListener> listeners) {
        return Distiller.distill(List.of(original), compressed, setup, data.get(), options, progress, listeners);
    }

    private static String phase(int round) {
        return "round-" + round;
    }
}
