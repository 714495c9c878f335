package dev.nncj.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtSession;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Encoders already optimized by ONNX Runtime, read back and re-emitted: (a) the tiny encoders
 * through ORT's own C++ optimizer, (b) the same encoders written in the form of ORT's Python
 * transformer optimizer ({@link OrtFusedEncoders}). Each must compute what the unfused original
 * computes once lifted and emitted, and survive pruning half the heads and half the FFN.
 */
class OrtOptimizedEncoderTest {
    static final int H = TinyEncoders.HIDDEN;
    static final int D = TinyEncoders.HEAD_SIZE;
    /** Per layer, one of two heads (d columns of Wq, Wk, Wv, their biases, d rows of Wo) and 8 of 16 neurons. */
    static final long REMOVED_PER_LAYER = (3L * (H * D + D) + (long) D * H) + 8L * (2L * H + 1);

    @TempDir
    Path dir;

    static Stream<Arguments> tinyEncoders() {
        return Stream.of(
                Arguments.of("post-norm PyTorch", TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false)),
                Arguments.of("post-norm fused", TinyEncoders.build(TinyEncoders.Style.FUSED, List.of(1L, 2L), false)),
                Arguments.of("pre-norm PyTorch", TinyEncoders.buildPreNorm(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false)),
                Arguments.of("pre-norm fused", TinyEncoders.buildPreNorm(TinyEncoders.Style.FUSED, List.of(1L, 2L), false)));
    }

    /**
     * What ORT 1.23's C++ optimizer does at EXTENDED (the highest level whose saved model stays
     * portable) with symbolic batch and sequence dims: LayerNormalization, BiasGelu (erf GELU) or
     * FastGelu with its bias input (tanh GELU), FusedMatMul for the scaled Q K^T. Its
     * SkipLayerNormFusion needs both residual operands' full shapes and its AttentionFusion and
     * EmbedLayerNormFusion do not match these exports, so none of those three ops appears.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("tinyEncoders")
    void theCppOptimizersPortableFusionsAreReadAndPruned(String name, OnnxModel model) throws Exception {
        OnnxModel optimized = ortOptimized(model, "tiny", false);
        List<String> ops = opTypes(optimized);
        assertThat(ops).contains("LayerNormalization", "FusedMatMul")
                .contains(name.endsWith("fused") ? "FastGelu" : "BiasGelu")
                .doesNotContain("SkipLayerNormalization", "Attention", "EmbedLayerNormalization");
        if (name.endsWith("fused")) {
            Node fastGelu = optimized.graph().nodes().stream().filter(n -> n.opType().equals("FastGelu")).findFirst().orElseThrow();
            assertThat(fastGelu.inputs()).as("FastGelu with the up projection's bias").hasSize(2);
        }
        roundTripsAndPrunes(model, optimized);
    }

    /**
     * With every dim known (batch and sequence fixed), the C++ optimizer also fuses the residual
     * Adds into SkipLayerNormalization, but folds the position rows for that sequence length into
     * a constant and turns the linears into Reshape/Gemm: a model for one input shape only.
     */
    @Test
    void theCppOptimizerFusesSkipLayerNormalizationOnlyForFixedShapes() throws Exception {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        assertThat(opTypes(ortOptimized(model, "fixed", true))).contains("SkipLayerNormalization", "Gemm")
                .doesNotContain("Attention", "EmbedLayerNormalization");
    }

    static Stream<Arguments> pythonOptimizerForms() {
        return Stream.of(TinyEncoders.Style.values()).flatMap(style -> Stream.of(
                Arguments.of(style, OrtFusedEncoders.Form.bert()),
                Arguments.of(style, new OrtFusedEncoders.Form(OrtFusedEncoders.Embedding.EMBED_LAYER_NORM,
                        OrtFusedEncoders.Mask.RAW, OrtFusedEncoders.AttentionOp.ATTENTION)),
                Arguments.of(style, new OrtFusedEncoders.Form(OrtFusedEncoders.Embedding.GATHERS,
                        OrtFusedEncoders.Mask.MASK_INDEX, OrtFusedEncoders.AttentionOp.ATTENTION)),
                Arguments.of(style, new OrtFusedEncoders.Form(OrtFusedEncoders.Embedding.EMBED_LAYER_NORM,
                        OrtFusedEncoders.Mask.MASK_INDEX, OrtFusedEncoders.AttentionOp.MULTI_HEAD)),
                Arguments.of(style, new OrtFusedEncoders.Form(OrtFusedEncoders.Embedding.GATHERS,
                        OrtFusedEncoders.Mask.RAW, OrtFusedEncoders.AttentionOp.MULTI_HEAD))));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pythonOptimizerForms")
    void thePythonOptimizersPostNormFormIsReadAndPruned(TinyEncoders.Style style, OrtFusedEncoders.Form form) throws Exception {
        OnnxModel model = TinyEncoders.build(style, List.of(1L, 2L), false);
        OnnxModel fused = OrtFusedEncoders.write(EncoderLifter.lift(model, dir.resolve("tiny.onnx")), form);
        assertThat(opTypes(fused)).contains("SkipLayerNormalization", style == TinyEncoders.Style.FUSED ? "FastGelu" : "BiasGelu",
                form.attention() == OrtFusedEncoders.AttentionOp.ATTENTION ? "Attention" : "MultiHeadAttention");
        // the fused graph is the same function under ORT (on real tokens: a 1-D mask index and the
        // 0/1 mask agree for right padding)
        assertThat(realDiff(model, fused)).isLessThan(1e-5);

        EncoderLifter.Result read = EncoderLifter.tryLift(fused);
        assertThat(read.reason()).isEmpty();
        assertThat(read.forms().get("LayerNorm")).contains("fused com.microsoft.SkipLayerNormalization (residual Add + LayerNorm + bias)");
        assertThat(read.forms().get("attention")).containsExactly(form.attention() == OrtFusedEncoders.AttentionOp.ATTENTION
                ? "fused com.microsoft.Attention" : "fused com.microsoft.MultiHeadAttention");
        if (form.embedding() == OrtFusedEncoders.Embedding.EMBED_LAYER_NORM) {
            assertThat(read.forms().get("embeddings")).containsExactly("fused com.microsoft.EmbedLayerNormalization");
        }
        roundTripsAndPrunes(model, fused);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(TinyEncoders.Style.class)
    void aPreNormStackWhoseSkipLayerNormalizationsCarryTheSumIsRead(TinyEncoders.Style style) throws Exception {
        OnnxModel model = TinyEncoders.buildPreNorm(style, List.of(1L, 2L), false);
        EncoderSpec spec = EncoderLifter.lift(model, dir.resolve("tiny.onnx"));
        OnnxModel fused = OrtFusedEncoders.write(spec, OrtFusedEncoders.Form.bert());
        // two per layer: the attention residual with LN2, the FFN residual with the next LN1 (or the final norm)
        assertThat(opTypes(fused).stream().filter("SkipLayerNormalization"::equals)).hasSize(4);
        assertThat(realDiff(model, fused)).isLessThan(1e-5);

        EncoderSpec read = EncoderLifter.lift(fused, dir.resolve("fused.onnx"));
        assertThat(read.normPlacement()).isEqualTo(NormPlacement.PRE);
        assertThat(read.finalNorm()).isPresent();
        roundTripsAndPrunes(model, fused);
    }

    /** The BERT form of the Python optimizer over the tiny PyTorch-style encoder. */
    private OnnxModel bertForm() {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        return OrtFusedEncoders.write(EncoderLifter.lift(model, dir.resolve("tiny.onnx")), OrtFusedEncoders.Form.bert());
    }

    private static Node first(OnnxModel model, String opType) {
        return model.graph().nodes().stream().filter(n -> n.opType().equals(opType)).findFirst().orElseThrow();
    }

    @Test
    void causalAttentionIsRefusedAsADecodersNamingTheNode() {
        OnnxModel fused = bertForm();
        Node attention = first(fused, "Attention");
        attention.set("unidirectional", 1L);
        assertThat(EncoderLifter.tryLift(fused).reason()).isEqualTo("layer 0: fused attention '" + attention.name()
                + "': unidirectional (causal) attention is a decoder's, not an encoder's");
    }

    @Test
    void qkvHiddenSizesAreReadWhenEqualAndRefusedWhenTheyDiffer() {
        OnnxModel fused = bertForm();
        Node attention = first(fused, "Attention");
        attention.set("qkv_hidden_sizes", new long[] {8, 8, 8});
        assertThat(EncoderLifter.tryLift(fused).reason()).isEmpty();
        attention.set("qkv_hidden_sizes", new long[] {8, 8, 4});
        assertThat(EncoderLifter.tryLift(fused).reason()).isEqualTo("layer 0: fused attention '" + attention.name()
                + "': Q, K and V have different widths [8, 8, 4] (qkv_hidden_sizes); only equal widths are read");
    }

    @Test
    void pastStateOrAnAttentionBiasIsRefused() {
        OnnxModel fused = bertForm();
        Node attention = first(fused, "Attention");
        attention.setInput(5, attention.input(1));
        assertThat(EncoderLifter.tryLift(fused).reason()).isEqualTo("layer 0: fused attention '" + attention.name()
                + "': input 5 (past state or attention bias) is not supported");
    }

    @Test
    void attentionWithoutMaskIndexIsRefusedWhenTheGraphHasAMask() {
        OnnxModel fused = bertForm();
        Node attention = first(fused, "Attention");
        attention.setInput(3, "");
        assertThat(EncoderLifter.tryLift(fused).reason()).isEqualTo("layer 0: fused attention '" + attention.name()
                + "': has no mask though the graph has an attention-mask input");
    }

    /**
     * Attention's bias input is optional. ORT 1.23.2's CPU kernel crashes the process (SIGSEGV in
     * OrtSession.run) on an Attention without it, so the reference here is the same graph with an
     * all-zero bias, and only the lifted and re-emitted graph runs.
     */
    @Test
    void attentionWithoutABiasInputReadsZeroBiases() throws Exception {
        OnnxModel reference = bertForm();
        for (Node n : reference.graph().nodes().stream().filter(n -> n.opType().equals("Attention")).toList()) {
            dev.nncj.onnx.Tensor bias = reference.graph().initializer(n.input(2)).orElseThrow();
            reference.graph().replaceInitializer(dev.nncj.onnx.Tensor.ofFloats(bias.name(), bias.shape(),
                    new float[(int) bias.numElements()]));
        }
        OnnxModel fused = bertForm();
        fused.graph().nodes().stream().filter(n -> n.opType().equals("Attention")).forEach(n -> n.setInput(2, ""));
        EncoderSpec spec = EncoderLifter.lift(fused, dir.resolve("fused.onnx"));
        assertThat(spec.layers().get(0).attention().key().bias().toFloats()).containsOnly(0f);
        assertThat(realDiff(reference, EncoderEmitter.emit(spec, EmitOptions.defaults()))).isLessThan(1e-5);
    }

    @Test
    void embedLayerNormalizationWithPositionIdsOtherThanArangeIsRefused() {
        OnnxModel fused = bertForm();
        Node eln = first(fused, "EmbedLayerNormalization");
        fused.graph().addInitializer(dev.nncj.onnx.Tensor.ofLongs("shuffled_positions", new long[] {1, 3}, 2, 0, 1));
        eln.setInput(8, "shuffled_positions");
        assertThat(EncoderLifter.tryLift(fused).reason()).isEqualTo("embeddings: EmbedLayerNormalization '" + eln.name()
                + "': its position_ids are not a constant 0..S-1");
    }

    @Test
    void embedLayerNormalizationWhoseRawSumIsReadIsRefused() {
        OnnxModel fused = bertForm();
        Node eln = first(fused, "EmbedLayerNormalization");
        Node grown = new Node(eln.name(), eln.opType(), eln.domain(), eln.inputs(),
                List.of(eln.output(0), eln.output(1), "embedding_sum"));
        grown.put(eln.attribute("epsilon").orElseThrow());
        fused.graph().replaceNode(eln, List.of(grown, Node.of("sum_reader", "Identity", List.of("embedding_sum"), List.of("read"))));
        assertThat(EncoderLifter.tryLift(fused).reason()).isEqualTo("embeddings: EmbedLayerNormalization '" + eln.name()
                + "': its embedding_sum output is read (the raw sum as a pre-norm residual stream), which is not supported");
    }

    @Test
    void theBiasAddThenComMicrosoftGeluIsReadAsErfGelu() throws Exception {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        OnnxModel fused = bertForm();
        for (Node biasGelu : fused.graph().nodes().stream().filter(n -> n.opType().equals("BiasGelu")).toList()) {
            String sum = biasGelu.name() + "_sum";
            fused.graph().replaceNode(biasGelu, List.of(
                    new Node(biasGelu.name() + "_add", "Add", "", biasGelu.inputs(), List.of(sum)),
                    new Node(biasGelu.name(), "Gelu", "com.microsoft", List.of(sum), biasGelu.outputs())));
        }
        EncoderLifter.Result read = EncoderLifter.tryLift(fused);
        assertThat(read.forms().get("FFN activation")).containsExactly("fused com.microsoft.Gelu");
        assertThat(realDiff(model, EncoderEmitter.emit(read.spec().orElseThrow(), EmitOptions.defaults()))).isLessThan(1e-5);
    }

    /**
     * Lifts {@code optimized}, emits it in both attention styles, compares with {@code original}
     * under ORT, then prunes half the heads and half the FFN and checks what was removed.
     */
    private void roundTripsAndPrunes(OnnxModel original, OnnxModel optimized) throws Exception {
        EncoderSpec spec = EncoderLifter.lift(optimized, dir.resolve("optimized.onnx"));
        assertThat(spec.layers()).hasSize(2);
        assertThat(spec.parameterCount()).isEqualTo(EncoderLifter.lift(original, dir.resolve("tiny.onnx")).parameterCount());
        for (EmitOptions.AttentionStyle attention : EmitOptions.AttentionStyle.values()) {
            OnnxModel emitted = EncoderEmitter.emit(spec, EmitOptions.defaults().withAttention(attention));
            assertThat(realDiff(original, emitted)).as(attention.name()).isLessThan(1e-5);
        }
        StructuredPruneResult pruned = StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.empty(),
                new HeadPlan.Fraction(0.5), 0.5, new MagnitudeImportance()));
        assertThat(pruned.spec().layers()).allSatisfy(l -> {
            assertThat(l.attention().heads()).isEqualTo(1);
            assertThat(l.ffn().width()).isEqualTo(8);
        });
        OnnxModel small = EncoderEmitter.emit(pruned.spec(), EmitOptions.defaults());
        assertThat(pruned.parametersRemoved()).isEqualTo(2 * REMOVED_PER_LAYER);
        assertThat(small.graph().parameterCount()).isEqualTo(spec.parameterCount() - 2 * REMOVED_PER_LAYER);
        assertThat(EncoderRuns.hidden(small, dir)).hasSize(EncoderRuns.hidden(original, dir).length);
    }

    private double realDiff(OnnxModel a, OnnxModel b) throws Exception {
        return EncoderRuns.maxAbsDiff(EncoderRuns.realTokens(EncoderRuns.hidden(a, dir), H),
                EncoderRuns.realTokens(EncoderRuns.hidden(b, dir), H));
    }

    /** The model as ORT's C++ optimizer saves it at EXTENDED, optionally with batch 2 and sequence 5 fixed. */
    private OnnxModel ortOptimized(OnnxModel model, String name, boolean fixedShapes) throws Exception {
        Path original = dir.resolve(name + ".onnx");
        OnnxFiles.save(model, original);
        Path optimized = dir.resolve(name + "-ort.onnx");
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
            if (fixedShapes) {
                options.setSymbolicDimensionValue("batch", 2);
                options.setSymbolicDimensionValue("seq", 5);
            }
            options.setOptimizedModelFilePath(optimized.toString());
            dev.nncj.runtime.OrtSessions.environment().createSession(original.toString(), options).close();
        }
        return OnnxFiles.load(optimized);
    }

    private static List<String> opTypes(OnnxModel model) {
        return model.graph().nodes().stream().map(Node::opType).toList();
    }
}
