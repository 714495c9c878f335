/**
 * An ONNX graph run differentiably on DJL's PyTorch engine: {@link dev.nncj.train.execution.OnnxExecutor}
 * (initializers become {@link dev.nncj.train.execution.Parameter}s, kernels from {@link dev.nncj.train.ops}),
 * the options that freeze or group parameters, the check that names every node it cannot run, and the
 * copy of trained weights back into a model.
 */
package dev.nncj.train.execution;
