package dev.nncj.train.movement;

import dev.nncj.OptionException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What one movement-pruning score stands for. Unstructured scores prune single weights (the zeros
 * are stored sparsely); block scores prune whole FFN neurons or attention heads, which the emitter
 * then removes, so the model is also faster. {@link #HEAD_NEURON} scores heads in attention and
 * neurons in the FFN, Lagunas et al. 2021's "hybrid" block pruning: each kind of weight gets the
 * only block that can be removed from it.
 */
public enum BlockStructure {
    /** One score per weight. */
    NONE("none"),
    /** One score per FFN neuron: column i of W1 and row i of W2. Attention stays dense. */
    NEURON("neuron"),
    /** One score per attention head: its d columns of Wq, Wk, Wv and d rows of Wo. The FFN stays dense. */
    HEAD("head"),
    /** Heads in attention, neurons in the FFN. */
    HEAD_NEURON("head-neuron");

    private final String cliName;

    BlockStructure(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    boolean scoresHeads() {
        return this == HEAD || this == HEAD_NEURON;
    }

    boolean scoresNeurons() {
        return this == NEURON || this == HEAD_NEURON;
    }

    public static BlockStructure parse(String name) {
        return Arrays.stream(values()).filter(b -> b.cliName.equals(name)).findFirst()
                .orElseThrow(() -> new OptionException(dev.nncj.OptionName.of("block"), " must be one of "
                        + Arrays.stream(values()).map(BlockStructure::cliName).collect(Collectors.joining(", "))
                        + ", not '" + name + "'"));
    }
}
