package dev.nncj.transformer;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Uniform random scores from a seed: the baseline any real importance score has to beat. */
public record RandomImportance(long seed) implements ImportanceScorer {
    public static final ImportanceCriterion CRITERION = new ImportanceCriterion("random",
            "uniform random scores from the seed, the baseline", data -> new RandomImportance(data.seed()));

    @Override
    public String name() {
        return "random";
    }

    @Override
    public ImportanceScores score(EncoderSpec spec) {
        Random random = new Random(seed);
        List<double[]> heads = new ArrayList<>();
        List<double[]> neurons = new ArrayList<>();
        for (EncoderLayer layer : spec.layers()) {
            heads.add(random.doubles(layer.attention().heads()).toArray());
            neurons.add(random.doubles(layer.ffn().width()).toArray());
        }
        return new ImportanceScores(heads, neurons);
    }
}
