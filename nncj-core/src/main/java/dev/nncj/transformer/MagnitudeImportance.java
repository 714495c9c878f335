package dev.nncj.transformer;

import java.util.ArrayList;
import java.util.List;

/**
 * Weight magnitude, no data: a head's score is the L2 norm of all its weights (its d columns of
 * Wq, Wk, Wv and its d rows of Wo); a neuron's is the L2 norm of its column of W1 and row of W2.
 * Biases are left out: they do not scale with how much the unit transforms its input.
 */
public final class MagnitudeImportance implements ImportanceScorer {
    public static final ImportanceCriterion CRITERION = new ImportanceCriterion("magnitude",
            "L2 norm of each unit's weights, no data", data -> new MagnitudeImportance());

    @Override
    public String name() {
        return "magnitude";
    }

    @Override
    public ImportanceScores score(EncoderSpec spec) {
        List<double[]> heads = new ArrayList<>();
        List<double[]> neurons = new ArrayList<>();
        for (EncoderLayer layer : spec.layers()) {
            AttentionSpec a = layer.attention();
            double[] unitSq = new double[a.heads() * a.headSize()];
            addColumnSquares(a.query(), unitSq);
            addColumnSquares(a.key(), unitSq);
            addColumnSquares(a.value(), unitSq);
            addRowSquares(a.output(), unitSq);
            heads.add(groupNorms(unitSq, a.headSize()));
            double[] neuronSq = new double[layer.ffn().width()];
            addColumnSquares(layer.ffn().up(), neuronSq);
            addRowSquares(layer.ffn().down(), neuronSq);
            neurons.add(groupNorms(neuronSq, 1));
        }
        return new ImportanceScores(heads, neurons);
    }

    static void addColumnSquares(Linear l, double[] acc) {
        float[] w = l.weight().toFloats();
        int out = l.out();
        for (int i = 0; i < w.length; i++) {
            acc[i % out] += (double) w[i] * w[i];
        }
    }

    static void addRowSquares(Linear l, double[] acc) {
        float[] w = l.weight().toFloats();
        int out = l.out();
        for (int i = 0; i < w.length; i++) {
            acc[i / out] += (double) w[i] * w[i];
        }
    }

    /** sqrt of the sum of each consecutive group of {@code size} squares. */
    static double[] groupNorms(double[] squares, int size) {
        double[] out = new double[squares.length / size];
        for (int i = 0; i < squares.length; i++) {
            out[i / size] += squares[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.sqrt(out[i]);
        }
        return out;
    }
}
