package dev.nncj.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.TinyModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EncoderLifterTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(TinyEncoders.Style.class)
    void liftsTheStructureOfBothExporterStyles(TinyEncoders.Style style) {
        OnnxModel model = TinyEncoders.build(style);
        EncoderSpec spec = EncoderLifter.lift(model, dir.resolve("tiny.onnx"));

        assertThat(spec.layers()).hasSize(2);
        EncoderLayer layer = spec.layers().get(1);
        assertThat(layer.attention().heads()).isEqualTo(TinyEncoders.HEADS);
        assertThat(layer.attention().headSize()).isEqualTo(TinyEncoders.HEAD_SIZE);
        // 1/sqrt(4), whether divided once (PyTorch) or multiplied by 4^-1/4 on both Q and K
        assertThat(layer.attention().scale()).isCloseTo(0.5f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(layer.ffn().width()).isEqualTo(TinyEncoders.FFN);
        assertThat(layer.ffn().activation())
                .isEqualTo(style == TinyEncoders.Style.PYTORCH ? Activation.GELU_ERF : Activation.GELU_TANH);
        assertThat(layer.attentionNorm().epsilon()).isEqualTo(style == TinyEncoders.Style.PYTORCH ? 1e-12f : 1e-5f);
        assertThat(spec.maskValue()).isEqualTo(-3.4028235e38f);
        assertThat(spec.embeddings().position()).isPresent();
        assertThat(spec.embeddings().tokenType()).isPresent();
        assertThat(spec.io().attentionMask()).contains("attention_mask");
        assertThat(spec.io().tokenTypeIds()).contains("token_type_ids");
        assertThat(spec.pooler()).isEmpty();
        assertThat(spec.parameterCount()).isEqualTo(model.graph().parameterCount());
    }

    @ParameterizedTest
    @EnumSource(TinyEncoders.Style.class)
    void liftThenEmitComputesTheSameOutputsUnderOrt(TinyEncoders.Style style) throws Exception {
        OnnxModel model = TinyEncoders.build(style, List.of(1L, 2L), true);
        EncoderSpec spec = EncoderLifter.lift(model, dir.resolve("tiny.onnx"));
        assertThat(spec.pooler()).isPresent();
        for (EmitOptions.AttentionStyle attention : EmitOptions.AttentionStyle.values()) {
            OnnxModel emitted = EncoderEmitter.emit(spec, EmitOptions.defaults().withAttention(attention));
            assertThat(emitted.graph().parameterCount()).isEqualTo(model.graph().parameterCount());
            assertThat(emitted.graph().outputs()).isEqualTo(model.graph().outputs());
            float[] expected = EncoderRuns.hidden(model, dir);
            float[] actual = EncoderRuns.hidden(emitted, dir);
            assertThat(EncoderRuns.maxAbsDiff(expected, actual)).as(attention.name()).isLessThan(1e-5);
            assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.run(model, dir, "pooler_output"),
                    EncoderRuns.run(emitted, dir, "pooler_output"))).isLessThan(1e-5);
        }
    }

    @Test
    void aFactorizedWordTableIsLiftedAsItsProductAndEmitsTheSameOutputs() throws Exception {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        dev.nncj.lowrank.Factorizer.factorize(model, dir.resolve("tiny.onnx"), new dev.nncj.lowrank.FactorizeOptions(
                dev.nncj.lowrank.RankPlan.none(), dev.nncj.onnx.NodeFilter.all(), java.util.OptionalInt.of(3), false),
                dev.nncj.ProgressListener.NONE);
        String thinLookup = model.graph().nodes().stream().filter(n -> n.is("Gather")).findFirst().orElseThrow().output(0);
        assertThat(model.graph().consumers(thinLookup)).singleElement().satisfies(n -> assertThat(n.is("MatMul")).isTrue());
        EncoderSpec spec = EncoderLifter.lift(model, dir.resolve("tiny.onnx"));
        assertThat(spec.embeddings().word().shape()).containsExactly(14, TinyEncoders.HIDDEN);
        assertThat(spec.embeddings().projection()).isEmpty();
        OnnxModel emitted = EncoderEmitter.emit(spec, EmitOptions.defaults());
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(model, dir), EncoderRuns.hidden(emitted, dir))).isLessThan(1e-5);
    }

    @Test
    void anEmittedAndPrunedEncoderLiftsAgainSoPruningComposes() throws Exception {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L), true);
        EncoderSpec spec = EncoderLifter.lift(model, dir.resolve("tiny.onnx"));
        EncoderSpec pruned = StructuredPruner.prune(spec, new StructuredPruneOptions(java.util.Optional.of(List.of(0, 2)),
                new HeadPlan.PerLayer(List.of(1, 2)), 0.25, new MagnitudeImportance())).spec();
        OnnxModel emitted = EncoderEmitter.emit(pruned, EmitOptions.defaults());

        EncoderSpec again = EncoderLifter.lift(emitted, dir.resolve("pruned.onnx"));
        assertThat(again.layers()).extracting(l -> l.attention().heads()).containsExactly(1, 2);
        assertThat(again.layers()).extracting(l -> l.ffn().width()).containsExactly(12, 12);
        assertThat(again.pooler()).isPresent();
        assertThat(again.parameterCount()).isEqualTo(pruned.parameterCount());
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(emitted, dir),
                EncoderRuns.hidden(EncoderEmitter.emit(again, EmitOptions.defaults()), dir))).isZero();

        // and from com.microsoft.Attention, the form ORT's fusion also produces
        OnnxModel fused = EncoderEmitter.emit(pruned, EmitOptions.defaults().withAttention(EmitOptions.AttentionStyle.FUSED));
        EncoderSpec fromFused = EncoderLifter.lift(fused, dir.resolve("fused.onnx"));
        assertThat(fromFused.layers()).extracting(l -> l.attention().heads()).containsExactly(1, 2);
        assertThat(fromFused.maskValue()).isEqualTo(pruned.maskValue());
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.realTokens(EncoderRuns.hidden(emitted, dir), TinyEncoders.HIDDEN),
                EncoderRuns.realTokens(EncoderRuns.hidden(EncoderEmitter.emit(fromFused, EmitOptions.defaults()), dir),
                        TinyEncoders.HIDDEN))).isLessThan(1e-5);
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void everyActivationTheEmitterWritesLiftsBackAsItself(Activation activation) throws Exception {
        EncoderSpec spec = EncoderLifter.lift(TinyEncoders.build(TinyEncoders.Style.PYTORCH), dir.resolve("tiny.onnx"));
        EncoderSpec changed = spec.withLayers(spec.layers().stream().map(l -> l.withFfn(
                new FeedForwardSpec(l.ffn().up(), l.ffn().down(), activation))).toList());
        OnnxModel emitted = EncoderEmitter.emit(changed, EmitOptions.defaults());
        EncoderSpec again = EncoderLifter.lift(emitted, dir.resolve("emitted.onnx"));
        assertThat(again.layers()).allSatisfy(l -> assertThat(l.ffn().activation()).isEqualTo(activation));
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(emitted, dir),
                EncoderRuns.hidden(EncoderEmitter.emit(again, EmitOptions.defaults()), dir))).isZero();
    }

    @Test
    void liftsAGraphOnnxRuntimeHasAlreadyOptimized() throws Exception {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), true);
        Path original = dir.resolve("tiny.onnx");
        dev.nncj.onnx.OnnxFiles.save(model, original);
        Path optimized = dir.resolve("tiny-ort.onnx");
        var env = dev.nncj.runtime.OrtSessions.environment();
        try (var options = new ai.onnxruntime.OrtSession.SessionOptions()) {
            // EXTENDED: ORT's portable fusions (LayerNormalization, BiasGelu, FusedMatMul), no layout changes
            options.setOptimizationLevel(ai.onnxruntime.OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
            options.setOptimizedModelFilePath(optimized.toString());
            env.createSession(original.toString(), options).close();
        }
        OnnxModel fused = dev.nncj.onnx.OnnxFiles.load(optimized);
        assertThat(fused.graph().nodes()).extracting(Node::opType).contains("FusedMatMul", "BiasGelu", "LayerNormalization");

        EncoderSpec spec = EncoderLifter.lift(fused, optimized);
        assertThat(spec.layers()).allSatisfy(l -> assertThat(l.ffn().activation()).isEqualTo(Activation.GELU_ERF));
        assertThat(spec.parameterCount()).isEqualTo(model.graph().parameterCount());
        OnnxModel emitted = EncoderEmitter.emit(spec, EmitOptions.defaults());
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(model, dir), EncoderRuns.hidden(emitted, dir))).isLessThan(1e-5);
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.run(model, dir, "pooler_output"),
                EncoderRuns.run(emitted, dir, "pooler_output"))).isLessThan(1e-5);
    }

    @Test
    void liftsDistilBertsMaskedFillAsTheSameAdditiveMask() throws Exception {
        OnnxModel model = TinyEncoders.buildWithWhereMask(List.of(1L, 2L));
        assertThat(model.graph().nodes()).extracting(Node::opType).contains("Where", "Equal");
        EncoderSpec spec = EncoderLifter.lift(model, dir.resolve("tiny.onnx"));
        assertThat(spec.maskValue()).isEqualTo(-3.4028235e38f);
        // every element, padded positions included: both forms give padding exactly zero weight
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(model, dir),
                EncoderRuns.hidden(EncoderEmitter.emit(spec, EmitOptions.defaults()), dir))).isLessThan(1e-5);
    }

    @Test
    void liftsTheInvertedWhereMaskOfNewerTransformersExports() throws Exception {
        OnnxModel model = TinyEncoders.buildWithInvertedWhereMask(List.of(1L, 2L));
        assertThat(model.graph().nodes()).extracting(Node::opType).contains("Where");
        EncoderSpec spec = EncoderLifter.lift(model, dir.resolve("tiny.onnx"));
        assertThat(spec.maskValue()).isEqualTo(-3.4028235e38f);
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(model, dir),
                EncoderRuns.hidden(EncoderEmitter.emit(spec, EmitOptions.defaults()), dir))).isLessThan(1e-5);
    }

    @Test
    void aModelThatIsNotAnEncoderIsRefusedWithTheFileAndWhatIsMissing() {
        Path file = dir.resolve("mlp.onnx");
        assertThatThrownBy(() -> EncoderLifter.lift(TinyModels.linearRelu(), file))
                .isInstanceOf(NncjException.class)
                .hasMessage(file + ": not a transformer encoder NNCJ can lift: no token embedding: no Gather from a"
                        + " constant table indexed by a graph input");
    }

    @Test
    void aQuantizedEmbeddingTableIsNamedAsTheReason() {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH);
        Node gather = model.graph().nodes().stream().filter(n -> n.is("Gather") && n.input(1).equals("input_ids"))
                .findFirst().orElseThrow();
        dev.nncj.onnx.Tensor table = model.graph().initializer(gather.input(0)).orElseThrow();
        model.graph().replaceInitializer(dev.nncj.onnx.Tensor.encodeLongs(table.name(), dev.nncj.onnx.DataType.INT8,
                table.shape(), new long[(int) table.numElements()]));

        assertThat(EncoderLifter.tryLift(model).reason()).isEqualTo("the word-embedding table '" + table.name()
                + "' is int8: quantized models are not lifted (prune the float model, then quantize)");
    }

    @Test
    void aBrokenLayerIsReportedWithThePatternAndTheNode() {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH);
        // replace layer 1's Softmax by a Sigmoid: structure no longer says "attention"
        Node softmax = model.graph().nodes().stream().filter(n -> n.is("Softmax")).skip(1).findFirst().orElseThrow();
        Node sigmoid = Node.of(softmax.name(), "Sigmoid", softmax.inputs(), softmax.outputs());
        model.graph().replaceNode(softmax, List.of(sigmoid));

        EncoderLifter.Result result = EncoderLifter.tryLift(model);
        assertThat(result.spec()).isEmpty();
        assertThat(result.reason()).startsWith("layer 1: attention: expected Softmax after the scale and mask at node '"
                + sigmoid.name() + "', found Sigmoid");
    }

    @Test
    void anUnknownActivationIsNamedWithWhatWasFound() {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH);
        Node erf = model.graph().nodes().stream().filter(n -> n.is("Erf")).findFirst().orElseThrow();
        model.graph().replaceNode(erf, List.of(Node.of(erf.name(), "Sin", erf.inputs(), erf.outputs())));

        assertThat(EncoderLifter.tryLift(model).reason())
                .startsWith("layer 0: FFN activation: expected Relu or GELU (erf or tanh form, with its constants)")
                .contains("found [Add, Div, Mul, Sin]");
    }
}
