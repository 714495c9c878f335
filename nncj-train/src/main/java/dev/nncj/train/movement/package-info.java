/**
 * Movement pruning ({@link dev.nncj.train.movement.MovementPruning}, {@code nncj movement}): learned
 * scores, their top-k masks on a cubic schedule, the training graph, and the masked model made smaller.
 */
package dev.nncj.train.movement;
