/**
 * The parts of structured pruning that need gradients or training: gradient importance of heads and
 * neurons, and pruning in rounds with a recovery after each ({@link dev.nncj.train.pruning.IterativePruner}).
 */
package dev.nncj.train.pruning;
