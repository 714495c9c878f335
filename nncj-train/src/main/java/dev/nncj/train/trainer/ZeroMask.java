package dev.nncj.train.trainer;

import ai.djl.ndarray.NDArray;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.execution.Parameter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Keeps pruned weights pruned while training (Deep Compression's retraining under the mask, Han et
 * al. 2015): the named parameters' zeros at creation form a mask, and after every optimizer step the
 * parameter is multiplied by it, so AdamW's momentum and decay cannot revive a pruned weight. The
 * masks live in the executor's manager and are freed with it.
 */
public final class ZeroMask implements TrainingListener {
    private final List<NDArray[]> pairs = new ArrayList<>();

    /** Masks of the zeros of {@code names} among {@code executor}'s trainable parameters (others are ignored). */
    public ZeroMask(OnnxExecutor executor, Collection<String> names) {
        for (Parameter p : executor.trainableParameters()) {
            if (names.contains(p.name())) {
                NDArray mask = p.array().neq(0).toType(p.array().getDataType(), false);
                mask.attach(executor.manager());
                pairs.add(new NDArray[] {p.array(), mask});
            }
        }
    }

    /** Parameters masked. */
    public int size() {
        return pairs.size();
    }

    @Override
    public void onStep(StepResult result) {
        for (NDArray[] pair : pairs) {
            pair[0].muli(pair[1]); // outside the gradient collector: an in-place update, as AdamW's
        }
    }
}
