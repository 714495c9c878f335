package dev.nncj.train.execution;

import ai.djl.ndarray.NDArray;

/**
 * A floating-point initializer of the graph held as an NDArray. A trainable one has
 * requires-gradient set; a frozen one takes part in the forward pass without collecting gradients.
 *
 * @param learningRateScale the optimizer's learning rate is multiplied by this for this parameter
 *     (a parameter group, as PyTorch calls it: movement pruning's scores learn 100x faster than weights)
 * @param decays whether AdamW's decoupled weight decay applies to it
 */
public record Parameter(String name, NDArray array, boolean trainable, double learningRateScale, boolean decays) {
    /** A parameter at the optimizer's own learning rate, decayed. */
    public Parameter(String name, NDArray array, boolean trainable) {
        this(name, array, trainable, 1, true);
    }
}
