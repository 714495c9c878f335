package dev.nncj.train.movement;

import dev.nncj.OptionException;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.sparsity.PruningPattern;
import dev.nncj.sparsity.Storage;
import dev.nncj.train.distill.DistillOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link MovementPruning} does.
 *
 * @param remaining r_f: the fraction of the scored weights kept at the end, in (0, 1]
 * @param block what a score stands for: a weight, an FFN neuron, a head, or heads and neurons
 * @param scope GLOBAL: one top-k over all scores (layers lose different shares); PER_LAYER: every
 *     score tensor keeps r of its own weights
 * @param scoreLearningRate peak learning rate of the scores (Sanh et al.: 1e-2, against 3e-5 for
 *     weights: a score must move far enough to cross the threshold within one fine-tuning run);
 *     the scores follow the weights' warm-up and decay, and take no weight decay
 * @param warmupFraction share of the steps at full density before pruning starts (t_w)
 * @param cooldownFraction share of the steps at the final density at the end (t_c); only these
 *     steps' evaluations can be kept as the best
 * @param filter the MatMuls whose encoder weights are scored
 * @param storage for unstructured pruning: SPARSE_INITIALIZERS, or DENSE when a container packs the zeros
 * @param distill the losses (soft targets from the dense model plus labels) and training knobs
 */
public record MovementOptions(double remaining, BlockStructure block, PruningPattern.Scope scope, double scoreLearningRate,
        double warmupFraction, double cooldownFraction, NodeFilter filter, Storage storage, DistillOptions distill) {

    public MovementOptions {
        if (!(remaining > 0 && remaining <= 1)) {
            throw new OptionException(dev.nncj.OptionName.of("remaining"), " must lie in (0, 1], got " + remaining);
        }
        if (!(scoreLearningRate > 0) || Double.isInfinite(scoreLearningRate)) {
            throw new OptionException(dev.nncj.OptionName.of("scoreLearningRate"), " must be positive, got " + scoreLearningRate);
        }
        if (!(warmupFraction >= 0 && cooldownFraction >= 0 && warmupFraction + cooldownFraction <= 1)) {
            throw new OptionException(dev.nncj.OptionName.of("warmupFraction"), " and ", dev.nncj.OptionName.of("cooldownFraction"), " must be >= 0 with a sum <= 1, got "
                    + warmupFraction + " and " + cooldownFraction);
        }
        Objects.requireNonNull(block, "block");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(distill, "distill");
    }

    /**
     * Unstructured, global, scores at 1e-2, 10% warm-up and 20% cool-down (Sanh et al.'s one and two
     * epochs of ten, as fractions), every encoder weight, sparse initializers, the recovery preset.
     */
    public static MovementOptions defaults(double remaining) {
        return new MovementOptions(remaining, BlockStructure.NONE, PruningPattern.Scope.GLOBAL, 1e-2, 0.1, 0.2,
                NodeFilter.all(), Storage.SPARSE_INITIALIZERS, DistillOptions.recovery());
    }

    public MovementOptions withBlock(BlockStructure v) {
        return new MovementOptions(remaining, v, scope, scoreLearningRate, warmupFraction, cooldownFraction, filter, storage, distill);
    }

    public MovementOptions withScope(PruningPattern.Scope v) {
        return new MovementOptions(remaining, block, v, scoreLearningRate, warmupFraction, cooldownFraction, filter, storage, distill);
    }

    public MovementOptions withScoreLearningRate(double v) {
        return new MovementOptions(remaining, block, scope, v, warmupFraction, cooldownFraction, filter, storage, distill);
    }

    public MovementOptions withSchedule(double warmup, double cooldown) {
        return new MovementOptions(remaining, block, scope, scoreLearningRate, warmup, cooldown, filter, storage, distill);
    }

    public MovementOptions withFilter(NodeFilter v) {
        return new MovementOptions(remaining, block, scope, scoreLearningRate, warmupFraction, cooldownFraction, v, storage, distill);
    }

    public MovementOptions withStorage(Storage v) {
        return new MovementOptions(remaining, block, scope, scoreLearningRate, warmupFraction, cooldownFraction, filter, v, distill);
    }

    public MovementOptions withDistill(DistillOptions v) {
        return new MovementOptions(remaining, block, scope, scoreLearningRate, warmupFraction, cooldownFraction, filter, storage, v);
    }

    /** The schedule of a run of {@code totalSteps}. */
    CubicSparsitySchedule schedule(int totalSteps) {
        return CubicSparsitySchedule.of(remaining, warmupFraction, cooldownFraction, totalSteps);
    }

    /** The options as provenance records them. */
    Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("remaining", remaining);
        m.put("block", block.cliName());
        m.put("scope", scope == PruningPattern.Scope.GLOBAL ? "global" : "per-layer");
        m.put("score_learning_rate", scoreLearningRate);
        m.put("sparsity_warmup", warmupFraction);
        m.put("sparsity_cooldown", cooldownFraction);
        m.put("include", filter.include());
        m.put("exclude", filter.exclude());
        m.put("losses", distill.lossMap());
        m.put("training", distill.training().asMap());
        return m;
    }
}
