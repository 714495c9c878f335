package dev.nncj.search;

import dev.nncj.onnx.OnnxModel;

/** The p50 latency of a model on the device the search targets, in milliseconds. */
@FunctionalInterface
public interface ModelTimer {
    double p50Millis(OnnxModel model);
}
