package dev.nncj.train.movement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Scores start at the units' magnitudes, over the tensor's mean: magnitude pruning's ranking, by hand. */
class MovementScoresInitTest {
    static OnnxModel twoWeights() {
        GraphBuilder b = new GraphBuilder("w", 13);
        String x = b.input("x", DataType.FLOAT, 1, 2);
        // up [2, 2]: columns are neurons; down [2, 2]: rows are neurons
        String up = b.initializer(Tensor.ofFloats("up", new long[] {2, 2}, 3f, 1f, -4f, 0f));
        String down = b.initializer(Tensor.ofFloats("down", new long[] {2, 2}, 0f, 0f, 1f, -1f));
        b.output(b.op("MatMul", b.op("MatMul", x, up), down), "y", DataType.FLOAT, 1, 2);
        return b.build();
    }

    @Test
    void aWeightsScoreIsItsMagnitudeOverTheMean() {
        var t = new MovementScores.ScoreTensor("up.movement_scores", new long[] {2, 2}, 1, MovementScores.Unit.WEIGHT, 0,
                List.of(new MovementScores.MaskedUse("up", -1, 1)));
        // |w| = 3, 1, 4, 0, mean 2
        assertThat(MovementScores.magnitudes(twoWeights().graph(), t)).containsExactly(1.5f, 0.5f, 2f, 0f);
    }

    @Test
    void aNeuronsScoreIsTheNormOfItsColumnAndRowOverTheMean() {
        var t = new MovementScores.ScoreTensor("ffn.movement_scores", new long[] {2}, 4, MovementScores.Unit.NEURON, 0,
                List.of(new MovementScores.MaskedUse("up", 1, 1), new MovementScores.MaskedUse("down", 0, 1)));
        // neuron 0: column (3, -4) and row (0, 0): norm 5; neuron 1: column (1, 0) and row (1, -1): norm sqrt(3)
        float[] s = MovementScores.magnitudes(twoWeights().graph(), t);
        double mean = (5 + Math.sqrt(3)) / 2;
        assertThat(s[0]).isCloseTo((float) (5 / mean), offset(1e-6f));
        assertThat(s[1]).isCloseTo((float) (Math.sqrt(3) / mean), offset(1e-6f));
    }
}
