package dev.nncj.train.ops;

import ai.djl.ndarray.NDArray;

/**
 * One ONNX op as DJL NDArray operations. Kernels build their outputs from differentiable NDArray
 * calls only (no round trip through Java arrays for values that carry gradients), so PyTorch's
 * autograd records them; static inputs (shapes, axes, indices) may be read eagerly.
 */
@FunctionalInterface
public interface OpKernel {
    /** The node's outputs, in order; optional outputs the node does not name may be null. */
    NDArray[] apply(OpContext context);
}
