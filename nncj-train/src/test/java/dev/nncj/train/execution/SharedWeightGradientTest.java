package dev.nncj.train.execution;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.share.CrossLayerOptions;
import dev.nncj.share.CrossLayerSharing;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.TinyEncoders;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Cross-layer sharing stays tied under training: a shared weight is one initializer, hence one
 * parameter, and its gradient is the sum of the gradients its uses would get as separate weights.
 * Compared on TinyEncoders built from seeds [1, 1] (two layers with equal values, stored twice)
 * against the same encoder with layer 0 shared by both layers (stored once).
 */
class SharedWeightGradientTest {
    static final String WEIGHT = "layer.0.attention.query.weight";

    @Test
    void aSharedWeightGetsTheSumOfItsUsesGradients() {
        OnnxModel original = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 1L), false);
        EncoderSpec spec = EncoderLifter.lift(original, Path.of("tiny.onnx"));
        OnnxModel untied = EncoderEmitter.emit(spec, EmitOptions.defaults());
        OnnxModel tied = CrossLayerSharing.share(original, Path.of("tiny.onnx"), CrossLayerOptions.of(1, "first")).model();
        assertThat(tied.graph().initializer("layer.1.attention.query.weight")).isEmpty();

        float[] untied0 = gradient(untied, WEIGHT);
        float[] untied1 = gradient(untied, "layer.1.attention.query.weight");
        float[] shared = gradient(tied, WEIGHT);
        double norm = 0;
        for (int i = 0; i < shared.length; i++) {
            norm = Math.max(norm, Math.abs(untied0[i] + untied1[i]));
            // float32 sums of the same terms in another order: agreement to rounding
            assertThat((double) shared[i]).isCloseTo(untied0[i] + untied1[i], org.assertj.core.data.Offset.offset(1e-5));
        }
        assertThat(norm).as("the gradient is not trivially zero").isGreaterThan(1e-3);
        try (OnnxExecutor a = OnnxExecutor.create(untied, ExecutorOptions.defaults());
                OnnxExecutor b = OnnxExecutor.create(tied, ExecutorOptions.defaults())) {
            long layerTensors = a.parameters().size() - b.parameters().size();
            assertThat(layerTensors).isEqualTo(16); // one layer's 16 weights, biases and LayerNorm vectors
        }
    }

    /** d/dW of sum(h * c) for a fixed pattern c, over TinyTokenizer ids (two sentences, one padded). */
    private static float[] gradient(OnnxModel model, String weight) {
        try (OnnxExecutor executor = OnnxExecutor.create(model, ExecutorOptions.defaults());
                NDManager step = executor.manager().newSubManager()) {
            Shape shape = new Shape(2, 5);
            Map<String, NDArray> inputs = Map.of(
                    "input_ids", step.create(new long[] {2, 4, 5, 6, 3, 2, 9, 3, 1, 1}, shape),
                    "attention_mask", step.create(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, shape),
                    "token_type_ids", step.zeros(shape, ai.djl.ndarray.types.DataType.INT64));
            try (GradientCollector c = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray h = executor.forward(step, inputs).get("last_hidden_state");
                NDArray pattern = step.arange(0f, (float) h.size()).reshape(h.getShape()).mul(0.37f).sin();
                c.backward(h.mul(pattern).sum());
            }
            Parameter p = executor.parameters().stream().filter(q -> q.name().equals(weight)).findFirst().orElseThrow();
            try (NDArray g = p.array().getGradient()) {
                return g.toFloatArray();
            }
        }
    }
}
