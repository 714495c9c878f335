package dev.nncj.transformer;

import java.util.ArrayList;
import java.util.List;

/**
 * Path norm, no data: a unit's score is the product of the norms of the weights that bring its
 * input and carry its output (Neyshabur et al. 2015), which bounds how much the unit can add to the
 * residual stream. A head: its d columns of Wv times its d rows of Wo (Wq and Wk only decide where
 * it looks: its softmax weights sum to one whatever their size); a neuron: its column of W1 times its
 * row of W2. Unlike {@link MagnitudeImportance}'s joint norm, a unit whose output weights are near
 * zero scores near zero however large its input weights are.
 */
public final class PathNormImportance implements ImportanceScorer {
    public static final ImportanceCriterion CRITERION = new ImportanceCriterion("path-norm",
            "product of each unit's input and output weight norms, no data", data -> new PathNormImportance());

    @Override
    public String name() {
        return "path-norm";
    }

    @Override
    public ImportanceScores score(EncoderSpec spec) {
        List<double[]> heads = new ArrayList<>();
        List<double[]> neurons = new ArrayList<>();
        for (EncoderLayer layer : spec.layers()) {
            AttentionSpec a = layer.attention();
            heads.add(products(MagnitudeImportance.unitNorms(List.of(a.value()), List.of(), a.headSize()),
                    MagnitudeImportance.unitNorms(List.of(), List.of(a.output()), a.headSize())));
            FeedForwardSpec f = layer.ffn();
            neurons.add(products(MagnitudeImportance.unitNorms(List.of(f.up()), List.of(), 1),
                    MagnitudeImportance.unitNorms(List.of(), List.of(f.down()), 1)));
        }
        return new ImportanceScores(heads, neurons);
    }

    private static double[] products(double[] in, double[] out) {
        double[] p = new double[in.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = in[i] * out[i];
        }
        return p;
    }
}
