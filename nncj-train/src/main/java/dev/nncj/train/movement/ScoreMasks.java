package dev.nncj.train.movement;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.nncj.onnx.Node;
import dev.nncj.sparsity.PruningPattern;
import dev.nncj.train.ops.OpContext;
import dev.nncj.train.ops.OpDefinition;
import dev.nncj.train.ops.OpRegistry;
import dev.nncj.train.trainer.StepResult;
import dev.nncj.train.trainer.TrainingListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The kernel of dev.nncj.train MovementTopK(S_1, ..., S_n) -> (M_1, ..., M_n): the hard top-k masks
 * of the scores ({@link TopKMasks}) at the kept fraction of the current step. The fraction follows a
 * schedule, which the graph cannot know, so the kernel is an object: a {@link TrainingListener}
 * that moves to the next step's fraction after every optimizer step.
 *
 * <p>The masks are computed once per step, not once per forward pass (a global top-k over 10 M
 * scores is not free), and kept until the scores change: the optimizer changes them, so every step
 * marks them stale. They live in this object's manager, closed with it.
 */
final class ScoreMasks implements TrainingListener, AutoCloseable {
    static final String OP = "MovementTopK";
    /** Attribute: the weights each score element stands for, one entry per input. */
    static final String UNIT_WEIGHTS = "unit_weights";
    /** Attribute: 1 to rank all scores together, 0 to rank each input by itself. */
    static final String GLOBAL = "global";

    private final IntFunction<CubicSparsitySchedule> scheduleFor;
    private final NDManager manager = Engine.getEngine("PyTorch").newBaseManager();
    private CubicSparsitySchedule schedule;
    private double remaining;
    private List<NDArray> cached;

    /**
     * Masks at {@code scheduleFor(total steps)}'s fraction for the forward pass of each step; before
     * training starts (the distiller's probe) nothing is masked.
     */
    ScoreMasks(IntFunction<CubicSparsitySchedule> scheduleFor) {
        this.scheduleFor = scheduleFor;
        this.remaining = 1;
    }

    /** Masks kept at one fraction (running a finished run's training graph). */
    static ScoreMasks fixed(double remaining) {
        ScoreMasks masks = new ScoreMasks(total -> new CubicSparsitySchedule(remaining, 0, 0, total));
        masks.remaining = remaining;
        return masks;
    }

    /** The standard kernels plus this one for a MovementTopK over {@code scores} inputs. */
    OpRegistry registry(int scores) {
        Set<Integer> allStatic = IntStream.range(0, scores).boxed().collect(Collectors.toSet());
        return OpRegistry.standard().put(new OpDefinition(OP, this::apply, allStatic, OpDefinition.AttributeCheck.NONE));
    }

    double remaining() {
        return remaining;
    }

    @Override
    public void onStart(int totalSteps) {
        schedule = scheduleFor.apply(totalSteps);
        remaining = schedule.remainingAt(0);
        invalidate();
    }

    @Override
    public void onResume(int step) {
        remaining = schedule.remainingAt(step);
        invalidate();
    }

    @Override
    public void onStep(StepResult result) {
        remaining = schedule.remainingAt(result.step() + 1);
        invalidate();
    }

    private NDArray[] apply(OpContext c) {
        if (cached == null) {
            List<NDArray> scores = new ArrayList<>();
            for (int i = 0; i < c.inputCount(); i++) {
                scores.add(c.input(i));
            }
            cached = masks(c.node(), scores, remaining);
            cached.forEach(m -> {
                NDScope.unregister(m);
                m.attach(manager); // outlives the step's arrays: reused until the scores change
            });
        }
        return cached.toArray(NDArray[]::new);
    }

    /** The masks {@code node} computes from {@code scores} at {@code remaining}. */
    static List<NDArray> masks(Node node, List<NDArray> scores, double remaining) {
        long[] units = node.intsAttribute(UNIT_WEIGHTS).stream().mapToLong(Long::longValue).toArray();
        PruningPattern.Scope scope = node.intAttribute(GLOBAL, 1) != 0 ? PruningPattern.Scope.GLOBAL
                : PruningPattern.Scope.PER_LAYER;
        return TopKMasks.compute(scores, units, scope, remaining);
    }

    private void invalidate() {
        if (cached != null) {
            cached.forEach(NDArray::close);
            cached = null;
        }
    }

    @Override
    public void close() {
        invalidate();
        manager.close();
    }
}
