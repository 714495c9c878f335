package dev.nncj.train;

import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxModel;
import java.util.List;

/**
 * Recovery after a compression step (a pruning round, a factorization, sharing): the compressed
 * classifier is distilled from the uncompressed one
 * ({@link Distiller}, teacher = the original, soft targets plus hard labels as
 * {@link DistillOptions#recovery()} weighs them), on the task data.
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
        return run(pruned).student();
    }

    /** One recovery of {@code compressed}, with its training record (steps, losses, kept step). */
    public DistillResult run(OnnxModel compressed) {
        return Distiller.distill(List.of(original), compressed, data, options, progress, List.of());
    }
}
