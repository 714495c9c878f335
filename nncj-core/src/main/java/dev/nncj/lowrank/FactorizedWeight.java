package dev.nncj.lowrank;

import java.util.List;

/**
 * One weight replaced by two thin factors.
 *
 * @param opType MatMul, Gemm, or Gather for the embedding table
 * @param rows the weight as multiplied: [rows, cols] = [in, out] (for the table [vocabulary, hidden])
 * @param keptEnergy fraction of sum s_i^2 the kept singular values hold (of diag(s) W when calibrated)
 * @param relativeError ||W - W_r||_F / ||W||_F in double precision (the float32 factors add rounding);
 *     calibrated: the same for diag(s) W, i.e. the expected relative error of the product's output
 *     under uncorrelated inputs
 */
public record FactorizedWeight(String weight, List<String> nodes, String opType, int rows, int cols, int rank,
                               int fullRank, double keptEnergy, double relativeError) {
    public FactorizedWeight {
        nodes = List.copyOf(nodes);
    }

    public long parametersBefore() {
        return (long) rows * cols;
    }

    public long parametersAfter() {
        return (long) rank * (rows + cols);
    }
}
