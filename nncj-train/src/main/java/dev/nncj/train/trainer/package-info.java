/**
 * The training loop and what it keeps: {@link dev.nncj.train.trainer.Trainer} (AdamW, schedule, clipping,
 * evaluations, listeners), losses and batches, early stopping and the weights kept, checkpoints
 * ({@link dev.nncj.train.trainer.Checkpoints}, {@link dev.nncj.train.trainer.CheckpointFolder}) and the
 * stop request a signal makes. Nothing here knows a task or a compression method.
 */
package dev.nncj.train.trainer;
