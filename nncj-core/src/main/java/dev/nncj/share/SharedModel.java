package dev.nncj.share;

import dev.nncj.onnx.OnnxModel;

/** The emitted ONNX model of a shared encoder, and what sharing did. */
public record SharedModel(OnnxModel model, CrossLayerResult sharing) {}
