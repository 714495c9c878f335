package dev.nncj.train.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.nncj.NncjException;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TinyModels;
import dev.nncj.train.ops.TensorArrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnnxExecutorTest {

    /**
     * x ── Einsum ── NonMaxSuppression-like custom op (domain com.example) ── MaxPool(dilated) ── y:
     * every problem is named in one error before anything runs.
     */
    @Test
    void everyUnsupportedNodeIsNamedInOneErrorBeforeExecution() {
        GraphBuilder b = new GraphBuilder("unsupported", 17).opset("com.example", 1);
        String x = b.input("x", DataType.FLOAT, 1, 1, 4, 4);
        String e = b.node("Einsum", x).set("equation", "ij->ji").output(0);
        String custom = b.node("com.example", "FancyOp", 1, e).output(0);
        String pooled = b.node("MaxPool", custom).set("kernel_shape", new long[] {2, 2})
                .set("dilations", new long[] {2, 2}).output(0);
        b.output(b.op("Relu", pooled), "y", DataType.FLOAT, 1, 1, 2, 2);
        OnnxModel model = b.build();
        assertThatThrownBy(() -> OnnxExecutor.create(model, ExecutorOptions.defaults()))
                .isInstanceOf(NncjException.class)
                .hasMessageStartingWith("graph unsupported: cannot be executed for training (3 problems): ")
                .hasMessageContaining("Einsum (node einsum): no kernel for this op")
                .hasMessageContaining("FancyOp (node fancyop): domain com.example is not supported")
                .hasMessageContaining("MaxPool (node maxpool): dilated pooling is not supported")
                .hasMessageNotContaining("Relu")
                .message().doesNotContain("\n");
    }

    /**
     * A 4-bit weight (as weight-only quantization writes) is named, before any op runs; its
     * DequantizeLinear alone would be trainable (fake quantization for QAT).
     */
    @Test
    void initializersOfTypesPyTorchLacksAreNamedToo() {
        GraphBuilder b = new GraphBuilder("int4", 21);
        String x = b.input("x", DataType.FLOAT, 2);
        String q = b.initializer(Tensor.encodeLongs("q", DataType.INT4, new long[] {2}, new long[] {1, -2}));
        String deq = b.op("DequantizeLinear", q, b.initializer(Tensor.ofFloats("s", new long[0], 0.5f)));
        b.output(b.op("Add", x, deq), "y", DataType.FLOAT, 2);
        assertThatThrownBy(() -> OnnxExecutor.create(b.build(), ExecutorOptions.defaults()))
                .isInstanceOf(NncjException.class)
                .hasMessageContaining("cannot be executed for training (1 problem)")
                .hasMessageContaining("initializer q: element type int4 has no PyTorch equivalent")
                .hasMessageNotContaining("DequantizeLinear");
    }

    @Test
    void missingOrUnknownInputsAreOneLineErrors() {
        try (OnnxExecutor executor = OnnxExecutor.create(TinyModels.linearRelu(), ExecutorOptions.defaults());
                NDManager step = executor.manager().newSubManager()) {
            assertThatThrownBy(() -> executor.forward(step, Map.of()))
                    .isInstanceOf(NncjException.class).hasMessageContaining("input x is missing");
            NDArray x = step.zeros(new ai.djl.ndarray.types.Shape(1, 4));
            assertThatThrownBy(() -> executor.forward(step, Map.of("x", x, "z", x)))
                    .isInstanceOf(NncjException.class).hasMessageContaining("no input z");
        }
    }

    /** Frozen by pattern: no gradient; the others get theirs. Integer initializers are never parameters. */
    @Test
    void frozenParametersGetNoGradient() {
        OnnxModel model = TinyModels.linearRelu();
        try (OnnxExecutor executor = OnnxExecutor.create(model, ExecutorOptions.defaults().freezing("^b$"));
                NDManager step = executor.manager().newSubManager()) {
            assertThat(executor.parameters()).extracting(Parameter::name).containsExactly("w", "b");
            assertThat(executor.trainableParameters()).extracting(Parameter::name).containsExactly("w");
            NDArray x = step.create(new float[] {1, 2, 3, 4}, new ai.djl.ndarray.types.Shape(1, 4));
            try (GradientCollector c = Engine.getEngine("PyTorch").newGradientCollector()) {
                c.backward(executor.forward(step, Map.of("x", x)).get("y").sum());
            }
            Parameter w = executor.trainableParameters().get(0);
            try (NDArray g = w.array().getGradient()) {
                assertThat(g.abs().sum().getFloat()).isGreaterThan(0f);
            }
            Parameter bias = executor.parameters().stream().filter(p -> p.name().equals("b")).findFirst().orElseThrow();
            assertThat(bias.array().hasGradient()).isFalse();
            executor.zeroGradients();
            try (NDArray g = w.array().getGradient()) {
                assertThat(g.abs().sum().getFloat()).isZero();
            }
        }
    }

    /**
     * Memory stays bounded: after many forward/backward passes the executor's manager holds exactly
     * the parameters and constants it held before (every per-step array was freed with its scope).
     */
    @Test
    void forwardPassesLeaveNothingBehind() {
        // Parameters come first in these ops, as in PyTorch exports (Add(bias, MatMul)): DJL attaches
        // a result to its first operand's manager, which is the executor's own here.
        GraphBuilder b = new GraphBuilder("params_first", 17);
        String input = b.input("x", DataType.FLOAT, "batch", 4);
        String wt = b.op("Transpose", b.initializer(Tensor.ofFloats("w", new long[] {3, 4},
                1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)));
        String y = b.op("Add", b.initializer(Tensor.ofFloats("b", new long[] {3}, 0.1f, 0.2f, 0.3f)), b.op("MatMul", input, wt));
        b.output(b.op("Relu", y), "y", DataType.FLOAT, "batch", 3);
        try (OnnxExecutor executor = OnnxExecutor.create(b.build(), ExecutorOptions.defaults())) {
            int before = executor.manager().getManagedArrays().size();
            for (int i = 0; i < 20; i++) {
                try (NDManager step = executor.manager().newSubManager()) {
                    NDArray x = step.randomNormal(new ai.djl.ndarray.types.Shape(3, 4));
                    try (GradientCollector c = Engine.getEngine("PyTorch").newGradientCollector()) {
                        c.backward(executor.forward(step, Map.of("x", x)).get("y").sum());
                    }
                    executor.zeroGradients();
                }
            }
            assertThat(executor.manager().getManagedArrays()).hasSize(before);
        }
    }

    /** Trained values written back into the model are what ONNX Runtime then computes with. */
    @Test
    void writtenBackParametersAreWhatOrtRuns() throws Exception {
        OnnxModel model = TinyModels.linearRelu();
        Tensor x = Tensor.ofFloats("x", new long[] {2, 4}, 1, -2, 3, 0.5f, 0, 1, -1, 2);
        float[] before = OrtReference.runOrt(model, Map.of("x", x)).get("y").toFloats();
        try (OnnxExecutor executor = OnnxExecutor.create(model, ExecutorOptions.defaults())) {
            for (Parameter p : executor.trainableParameters()) {
                p.array().addi(0.5f); // stand-in for an optimizer step
            }
            float[] ours;
            try (NDManager step = executor.manager().newSubManager()) {
                ours = executor.forward(step, Map.of("x", TensorArrays.toArray(step, x))).get("y").toFloatArray();
            }
            executor.writeParameters(model);
            float[] after = OrtReference.runOrt(model, Map.of("x", x)).get("y").toFloats();
            assertThat(after).isNotEqualTo(before);
            assertThat(after).containsExactly(ours, org.assertj.core.data.Offset.offset(1e-6f));
        }
    }
}
