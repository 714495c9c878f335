/**
 * Quantization-aware training into the static-int8 QDQ form
 * ({@link dev.nncj.train.qat.QuantizationAwareTraining}): calibrate, train the fake-quantized form by
 * distillation from the float model, export the trained weights.
 */
package dev.nncj.train.qat;
