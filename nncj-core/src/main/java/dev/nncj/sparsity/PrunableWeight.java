package dev.nncj.sparsity;

/**
 * A weight initializer that may be pruned.
 *
 * @param name the initializer
 * @param node the first selected node reading it
 * @param opType that node's op type (MatMul, Gemm, Conv, or Gather for the embedding table)
 * @param reductionAxis the axis summed over when the weight is used (the input dimension): N:M
 *     groups run along it; -1 for the embedding table, which is looked up, not multiplied
 */
public record PrunableWeight(String name, String node, String opType, int reductionAxis) {}
