package dev.nncj.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.NncjException;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.ValueInfos;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A classifier (encoder + pooling + linear layer) survives lifting, surgery and emission. */
class TaskHeadTest {
    private static final int CLASSES = 3;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(TinyEncoders.Style.class)
    void aClassifierHeadIsCarriedThroughEmissionVerbatim(TinyEncoders.Style style) throws Exception {
        OnnxModel classifier = withHead(TinyEncoders.build(style), "last_hidden_state");
        EncoderSpec spec = EncoderLifter.lift(classifier, dir.resolve("clf.onnx"));

        assertThat(spec.head()).isPresent();
        assertThat(spec.parameterCount()).isEqualTo(classifier.graph().parameterCount());
        OnnxModel emitted = EncoderEmitter.emit(spec, EmitOptions.defaults());
        assertThat(emitted.graph().outputs()).extracting(ValueInfoProto::getName).containsExactly("logits");
        assertThat(emitted.graph().parameterCount()).isEqualTo(classifier.graph().parameterCount());
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.run(classifier, dir, "logits"),
                EncoderRuns.run(emitted, dir, "logits"))).isLessThan(1e-5);
        // and lifts again, so surgery composes on classifiers too
        EncoderSpec again = EncoderLifter.lift(emitted, dir.resolve("emitted.onnx"));
        assertThat(again.head().orElseThrow().parameterCount()).isEqualTo(spec.head().orElseThrow().parameterCount());
    }

    @Test
    void aPrunedClassifierKeepsItsHeadAndRuns() throws Exception {
        OnnxModel classifier = withHead(TinyEncoders.build(TinyEncoders.Style.PYTORCH), "last_hidden_state");
        EncoderSpec spec = EncoderLifter.lift(classifier, dir.resolve("clf.onnx"));
        EncoderSpec pruned = StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.of(List.of(1)),
                new HeadPlan.PerLayer(List.of(1)), 0.5, new MagnitudeImportance())).spec();

        OnnxModel emitted = EncoderEmitter.emit(pruned, EmitOptions.defaults());
        assertThat(EncoderRuns.run(emitted, dir, "logits")).hasSize(2 * CLASSES);
        assertThat(emitted.graph().parameterCount()).isEqualTo(pruned.parameterCount());
    }

    @Test
    void aHeadThatReadsInsideTheEncoderIsRefusedByName() {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH);
        String inner = model.graph().nodes().stream().filter(n -> n.is("Softmax")).findFirst().orElseThrow().output(0);
        Graph g = model.graph();
        g.addNode(Node.of("peek", "Add", List.of("last_hidden_state", "last_hidden_state"), List.of("peeked")));
        // a Shape reader: the matchers ignore those, so the lift gets as far as the head
        g.addNode(Node.of("leak", "Shape", List.of(inner), List.of("leaked")));
        g.addNode(Node.of("mix", "Expand", List.of("peeked", "leaked"), List.of("mixed")));
        g.addOutput(ValueInfos.tensor("mixed", DataType.FLOAT, "batch", "sequence", TinyEncoders.HIDDEN));

        assertThatThrownBy(() -> EncoderLifter.lift(model, dir.resolve("odd.onnx")))
                .isInstanceOf(NncjException.class)
                .hasMessageContaining("odd.onnx")
                .hasMessageContaining("task head: node 'mix' reads 'leaked'");
    }

    /**
     * Mean over the sequence, times a Constant 1.0, then Gemm to {@link #CLASSES} logits, in the
     * model's opset (ReduceMean's axes an attribute); the hidden state stops being an output. The
     * pooled value is named as the emitter names one of its own, so the emitter must rename it.
     */
    static OnnxModel withHead(OnnxModel model, String hidden) {
        Graph g = model.graph();
        Set<String> emitterNames = EncoderEmitter.emit(EncoderLifter.lift(model, Path.of("bare.onnx")),
                EmitOptions.defaults()).graph().allNames();
        String clash = emitterNames.stream().filter(n -> !g.allNames().contains(n)).sorted().findFirst().orElseThrow();
        g.addNode(Node.of("pool", "ReduceMean", List.of(hidden), List.of(clash)).set("axes", new long[] {1})
                .set("keepdims", 0L));
        g.addNode(Node.of("one", "Constant", List.of(), List.of("one_out"))
                .set("value", Tensor.ofFloats("one", new long[0], 1f)));
        g.addNode(Node.of("scale", "Mul", List.of(clash, "one_out"), List.of("pooled")));
        float[] w = new float[TinyEncoders.HIDDEN * CLASSES];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i);
        }
        g.addInitializer(Tensor.ofFloats("head.weight", new long[] {TinyEncoders.HIDDEN, CLASSES}, w));
        g.addInitializer(Tensor.ofFloats("head.bias", new long[] {CLASSES}, 0.1f, -0.2f, 0.3f));
        g.addNode(Node.of("head", "Gemm", List.of("pooled", "head.weight", "head.bias"), List.of("logits")));
        g.setOutputs(List.of(ValueInfos.tensor("logits", DataType.FLOAT, "batch", CLASSES)));
        return model;
    }
}
