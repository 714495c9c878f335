package dev.nncj.train;

import ai.djl.ndarray.NDArray;

/**
 * A floating-point initializer of the graph held as an NDArray. A trainable one has
 * requires-gradient set; a frozen one takes part in the forward pass without collecting gradients.
 */
public record Parameter(String name, NDArray array, boolean trainable) {}
