/**
 * Fine-tuning a sentence encoder into a text classifier: the classifier head added to the graph, text
 * batches, {@link dev.nncj.train.finetune.FineTuner} ({@code nncj finetune}) and the timing of its
 * training step ({@link dev.nncj.train.finetune.TrainingBenchmark}).
 */
package dev.nncj.train.finetune;
