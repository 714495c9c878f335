package dev.nncj.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.nncj.NncjException;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.runtime.ModelFiles;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLayer;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderRuns;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.TinyEncoders;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sharing on TinyEncoders (hidden 8, 2 heads of 4, FFN 16), whose layer weights come from one seed
 * per layer: an encoder built from seeds [1, 1, 3, 3] computes exactly what sharing [1, 2, 3, 4] in
 * two groups from each group's first layer must compute.
 */
class CrossLayerSharingTest {
    static final Path SOURCE = Path.of("tiny.onnx");

    @TempDir
    Path dir;

    static OnnxModel fourLayers() {
        return TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L, 4L), false);
    }

    @Test
    void twoGroupsFromTheFirstLayerComputeWhatRepeatedLayersCompute() throws Exception {
        SharedModel shared = CrossLayerSharing.share(fourLayers(), SOURCE, CrossLayerOptions.of(2, "first"));
        OnnxModel repeated = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 1L, 3L, 3L), false);
        assertThat(shared.sharing().groups()).containsExactly(List.of(0, 1), List.of(2, 3));
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.realTokens(EncoderRuns.hidden(shared.model(), dir), 8),
                EncoderRuns.realTokens(EncoderRuns.hidden(repeated, dir), 8))).isLessThan(1e-5);
    }

    @Test
    void eachSharedWeightIsStoredOnceAndTheFileShrinksByItsBytes() throws Exception {
        OnnxModel original = fourLayers();
        EncoderSpec spec = EncoderLifter.lift(original, SOURCE);
        long layer = spec.layers().get(0).parameterCount();
        long embeddings = spec.parameterCount() - 4 * layer;
        SharedModel shared = CrossLayerSharing.share(original, SOURCE, CrossLayerOptions.of(2, "mean"));
        assertThat(shared.model().graph().parameterCount()).isEqualTo(embeddings + 2 * layer);
        assertThat(shared.sharing().layerParametersBefore()).isEqualTo(4 * layer);
        assertThat(shared.sharing().layerParametersAfter()).isEqualTo(2 * layer);
        // one initializer, read by both layers of the group: every MatMul weight has two readers
        var weights = shared.model().graph().nodes().stream().filter(n -> n.is("MatMul")
                && shared.model().graph().isInitializer(n.input(1))).map(n -> n.input(1)).toList();
        assertThat(weights).hasSize(4 * 6);
        assertThat(weights.stream().distinct()).hasSize(2 * 6);

        Path a = dir.resolve("unshared.onnx");
        Path b = dir.resolve("shared.onnx");
        OnnxFiles.save(EncoderEmitter.emit(spec, EmitOptions.defaults()), a);
        OnnxFiles.save(shared.model(), b);
        // same nodes in both files: the difference is two layers of float32 weights plus their initializer headers
        // (on a model this tiny the graph itself outweighs the weights, so the ratio is checked on MiniLM)
        long saved = ModelFiles.totalBytes(a) - ModelFiles.totalBytes(b);
        assertThat(saved).isBetween(2 * layer * 4, 2 * layer * 4 + 2 * 16 * 80);
        assertThat(EncoderRuns.hidden(shared.model(), dir)).doesNotContain(Float.NaN);
    }

    @Test
    void meanInitAveragesTheGroupAndTheLifterReadsTheSharedModelBack() {
        OnnxModel original = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        EncoderSpec spec = EncoderLifter.lift(original, SOURCE);
        SharedModel shared = CrossLayerSharing.share(original, SOURCE, CrossLayerOptions.of(1, "mean"));
        float[] q0 = spec.layers().get(0).attention().query().weight().toFloats();
        float[] q1 = spec.layers().get(1).attention().query().weight().toFloats();
        EncoderSpec lifted = EncoderLifter.lift(shared.model(), SOURCE);
        float[] q = lifted.layers().get(1).attention().query().weight().toFloats();
        for (int i = 0; i < q.length; i++) {
            assertThat(q[i]).isCloseTo((q0[i] + q1[i]) / 2, within(1e-6f));
        }
        // re-emitting what the lifter read keeps the weights shared: one initializer is one tensor object
        assertThat(EncoderEmitter.emit(lifted, EmitOptions.defaults()).graph().parameterCount())
                .isEqualTo(shared.model().graph().parameterCount());
    }

    @Test
    void fusedAttentionSharesThePackedWeightsToo() throws Exception {
        SharedModel shared = CrossLayerSharing.share(fourLayers(), SOURCE, CrossLayerOptions.of(1, "layer:2"));
        OnnxModel fused = EncoderEmitter.emit(shared.sharing().spec(), EmitOptions.defaults()
                .withAttention(EmitOptions.AttentionStyle.FUSED));
        assertThat(fused.graph().parameterCount()).isEqualTo(shared.model().graph().parameterCount());
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(fused, dir), EncoderRuns.hidden(shared.model(), dir)))
                .isLessThan(1e-4);
    }

    @Test
    void groupsThatDoNotFitAreRefusedInOneLine() {
        OnnxModel model = fourLayers();
        assertThatThrownBy(() -> CrossLayerSharing.share(model, SOURCE, CrossLayerOptions.of(3, "mean")))
                .isInstanceOf(NncjException.class)
                .hasMessage("groups 3 does not divide the encoder's 4 layers into equal contiguous groups");
        assertThatThrownBy(() -> CrossLayerSharing.share(model, SOURCE, CrossLayerOptions.of(5, "mean")))
                .hasMessage("groups 5 is more groups than the encoder's 4 layers");
        assertThatThrownBy(() -> CrossLayerSharing.share(model, SOURCE, CrossLayerOptions.of(2, "layer:2")))
                .hasMessage("init layer:2 is outside the groups of 2 layers (layer:0 to layer:1)");
        assertThatThrownBy(() -> CrossLayerOptions.of(0, "mean")).hasMessage("groups must be at least 1, got 0");
        assertThatThrownBy(() -> CrossLayerOptions.of(1, "last"))
                .hasMessage("init must be mean, first or layer:N (N counted within each group), not 'last'");
        assertThatThrownBy(() -> CrossLayerSharing.share(dev.nncj.onnx.TinyModels.linearRelu(), SOURCE,
                CrossLayerOptions.of(1, "mean"))).hasMessageStartingWith("tiny.onnx: not a transformer encoder NNCJ can lift");
    }

    @Test
    void layersOfDifferentShapesCannotShare() {
        EncoderSpec spec = EncoderLifter.lift(fourLayers(), SOURCE);
        List<EncoderLayer> layers = new java.util.ArrayList<>(spec.layers());
        layers.set(1, layers.get(1).withAttention(layers.get(1).attention().keepHeads(new int[] {0})));
        assertThatThrownBy(() -> CrossLayerSharing.share(spec.withLayers(layers), CrossLayerOptions.of(2, "mean")))
                .hasMessage("layers 0 and 1 cannot share weights: attention heads 2 vs 1");
    }
}
