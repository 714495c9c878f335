package dev.nncj.train.ops;

import static dev.nncj.train.ops.OpContext.one;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Set;

/**
 * The weight movement pruning trains through (Sanh et al. 2020, section 4):
 * dev.nncj.train MovementMaskedWeight(W, S, M) = W * (M + S - detach(S)), with the scores S and the
 * hard top-k mask M of S expanded to W's shape. The forward value is W * M; the gradients are
 * dL/dW = dL/dW' * M (a pruned weight learns nothing while pruned) and dL/dS = dL/dW' * W summed over
 * the weights a score stands for: the straight-through estimator that makes a score grow when its
 * weights move away from zero. M is a static input (it carries no gradient).
 *
 * <p>Attributes: {@code axis} = -1 (default) when S and M have W's shape (unstructured); otherwise
 * they are vectors of units along {@code axis} of the 2-D W, each unit {@code block} consecutive
 * rows (axis 0) or columns (axis 1): an FFN neuron is one column of W1 and one row of W2, a head
 * {@code d} columns of Wq/Wk/Wv and d rows of Wo.
 */
public final class MovementOps {
    private MovementOps() {}

    public static final String MASKED_WEIGHT = "MovementMaskedWeight";

    static void register(OpRegistry r) {
        r.put(MASKED_WEIGHT, MovementOps::maskedWeight, Set.of(2));
    }

    private static NDArray[] maskedWeight(OpContext c) {
        NDArray w = c.input(0);
        long axis = c.intAttribute("axis", -1);
        long block = c.intAttribute("block", 1);
        NDArray s = expand(c.input(1), w, axis, block);
        NDArray m = expand(c.input(2).stopGradient(), w, axis, block);
        return one(w.mul(m.add(s).sub(s.stopGradient())));
    }

    /** A unit vector [n] as [n * block, 1] (axis 0) or [1, n * block] (axis 1), broadcasting against W. */
    private static NDArray expand(NDArray units, NDArray w, long axis, long block) {
        if (axis < 0) {
            return units;
        }
        long n = units.size();
        NDArray repeated = units.reshape(n, 1).broadcast(new Shape(n, block)).reshape(n * block);
        return axis == 0 ? repeated.reshape(n * block, 1) : repeated.reshape(1, n * block);
    }
}
