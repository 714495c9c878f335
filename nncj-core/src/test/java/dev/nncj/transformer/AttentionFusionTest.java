package dev.nncj.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.lowrank.FactorizeOptions;
import dev.nncj.lowrank.Factorizer;
import dev.nncj.lowrank.RankPlan;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.ValueInfos;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fuseWherePossible: the default of dynamic int8 fuses what it can and leaves the rest as it was, saying why. */
class AttentionFusionTest {
    @TempDir
    Path dir;

    @Test
    void fusesAnEncoderAndComputesWhatItDid() throws Exception {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        AttentionFusion.Attempt attempt = AttentionFusion.fuseWherePossible(model, dir.resolve("model.onnx"));

        assertThat(attempt.fused()).as(attempt.keptBecause().orElse("")).isTrue();
        assertThat(attempt.model().graph().nodes()).filteredOn(n -> n.opType().equals("Attention")).hasSize(2);
        assertThat(attempt.model().graph().nodes()).noneMatch(n -> n.opType().equals("Softmax"));
        int width = TinyEncoders.HIDDEN;
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.realTokens(EncoderRuns.hidden(model, dir), width),
                EncoderRuns.realTokens(EncoderRuns.hidden(attempt.model(), dir), width))).isLessThan(1e-4);
    }

    @Test
    void keepsAGraphTheLifterCannotReadWithTheReason() {
        GraphBuilder b = new GraphBuilder("not_an_encoder", 17);
        b.output(b.op("Softmax", b.input("x", DataType.FLOAT, 1, 4)), "y", DataType.FLOAT, 1, 4);
        OnnxModel model = b.build();

        AttentionFusion.Attempt attempt = AttentionFusion.fuseWherePossible(model, dir.resolve("softmax.onnx"));

        assertThat(attempt.fused()).isFalse();
        assertThat(attempt.model()).isSameAs(model);
        assertThat(attempt.keptBecause().orElseThrow()).isNotBlank();
    }

    /** A caller reads the graph's outputs by name: an extra output the emitter does not write keeps the model as given. */
    @Test
    void keepsAnEncoderWhoseOutputsTheFusedGraphWouldNotWrite() {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        String softmax = model.graph().nodes().stream().filter(n -> n.opType().equals("Softmax")).findFirst()
                .orElseThrow().outputs().get(0);
        model.graph().addOutput(ValueInfos.tensor(softmax, DataType.FLOAT));

        AttentionFusion.Attempt attempt = AttentionFusion.fuseWherePossible(model, dir.resolve("model.onnx"));

        assertThat(attempt.fused()).isFalse();
        assertThat(attempt.model()).isSameAs(model);
        assertThat(attempt.keptBecause().orElseThrow()).contains(softmax);
    }

    /** The lifter reads a factorized word table as its product: fusing would store the full table again. */
    @Test
    void keepsAnEncoderWhoseFactorizedTableTheFusedGraphWouldExpand() {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        Factorizer.factorize(model, dir.resolve("model.onnx"), new FactorizeOptions(RankPlan.none(), NodeFilter.all(),
                OptionalInt.of(TinyEncoders.HIDDEN / 4), false), ProgressListener.NONE);

        AttentionFusion.Attempt attempt = AttentionFusion.fuseWherePossible(model, dir.resolve("model.onnx"));

        assertThat(attempt.fused()).isFalse();
        assertThat(attempt.model()).isSameAs(model);
        assertThat(attempt.keptBecause().orElseThrow()).contains("weights, not");
        // asked for by name (--attention fused), the same reason is a refusal naming the file
        assertThatThrownBy(() -> AttentionFusion.fuse(model, dir.resolve("model.onnx"))).isInstanceOf(NncjException.class)
                .hasMessageStartingWith(dir.resolve("model.onnx").toString()).hasMessageContaining("weights, not");
    }
}
