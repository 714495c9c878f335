package dev.nncj.transformer;

import java.util.List;

/**
 * Per-layer importance of each attention head and each FFN neuron; higher means keep. Layer i of
 * {@code heads} has one score per head of the spec's layer i, likewise {@code neurons}.
 */
public record ImportanceScores(List<double[]> heads, List<double[]> neurons) {
    public ImportanceScores {
        heads = List.copyOf(heads);
        neurons = List.copyOf(neurons);
    }
}
