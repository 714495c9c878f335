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
            heads.add(unitNorms(List.of(a.query(), a.key(), a.value()), List.of(a.output()), a.headSize()));
            neurons.add(unitNorms(List.of(layer.ffn().up()), List.of(layer.ffn().down()), 1));
        }
        return new ImportanceScores(heads, neurons);
    }

    /**
     * Per unit (a group of {@code groupSize} consecutive columns of each of {@code columnsOf}, and the
     * same rows of each of {@code rowsOf}), the L2 norm of all those weights together.
     */
    static double[] unitNorms(List<Linear> columnsOf, List<Linear> rowsOf, int groupSize) {
        int width = !columnsOf.isEmpty() ? columnsOf.get(0).out() : rowsOf.get(0).in();
        double[] squares = new double[width];
        columnsOf.forEach(l -> addColumnSquares(l, squares));
        rowsOf.forEach(l -> addRowSquares(l, squares));
        return groupNorms(squares, groupSize);
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
