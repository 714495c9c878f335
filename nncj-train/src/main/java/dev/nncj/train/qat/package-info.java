/**
 * Quantization-aware training ({@link dev.nncj.train.qat.QuantizationAwareTraining}): train the
 * trainable form a quantization method gives ({@link dev.nncj.training.TrainableForm}) by
 * distillation from the float model, then let the method export the trained weights.
 */
package dev.nncj.train.qat;
