/**
 * Contracts between the methods that rewrite a model (in nncj-core) and the training that adjusts
 * its weights first (nncj-train), so that neither imports the other's internals.
 */
package dev.nncj.training;
