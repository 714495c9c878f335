package dev.nncj.transformer;

import java.util.List;

/**
 * The pruned spec and what was kept: for each layer of the result, the original layer index and
 * the kept head and neuron indexes (into that original layer), ascending.
 */
public record StructuredPruneResult(EncoderSpec spec, List<Integer> layers, List<int[]> keptHeads,
                                    List<int[]> keptNeurons, long parametersBefore, long parametersAfter) {
    public long parametersRemoved() {
        return parametersBefore - parametersAfter;
    }
}
