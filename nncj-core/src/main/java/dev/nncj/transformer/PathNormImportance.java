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
            double[] valueSq = new double[a.heads() * a.headSize()];
            double[] outputSq = new double[a.heads() * a.headSize()];
            MagnitudeImportance.addColumnSquares(a.value(), valueSq);
            MagnitudeImportance.addRowSquares(a.output(), outputSq);
            heads.add(products(MagnitudeImportance.groupNorms(valueSq, a.headSize()),
                    MagnitudeImportance.groupNorms(outputSq, a.headSize())));
            double[] upSq = new double[layer.ffn().width()];
            double[] downSq = new double[layer.ffn().width()];
            MagnitudeImportance.addColumnSquares(layer.ffn().up(), upSq);
            MagnitudeImportance.addRowSquares(layer.ffn().down(), downSq);
            neurons.add(products(MagnitudeImportance.groupNorms(upSq, 1), MagnitudeImportance.groupNorms(downSq, 1)));
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
