package dev.nncj.quantize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.ProgressListener;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.ValueInfos;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --embedding-bits 4 in the int8 modes: the token table as 4-bit blocks, and QAT trains against exactly those values. */
class EmbeddingBitsTest {
    static final long[][] IDS = {{2, 4, 5, 6, 7, 4, 8, 3}};

    @TempDir
    Path dir;

    QuantizeOptions staticOptions() throws Exception {
        return new QuantizeOptions(QuantizationMode.STATIC_INT8, NodeFilter.all(), true, true, 32,
                QuantizeOptions.Fp8Format.E4M3FN, Optional.of(new Calibration(StaticInt8QuantizerTest.SENTENCES,
                TinyTokenizer.write(dir), Calibration.Method.MIN_MAX, 99.9, 2)), false, true).withEmbeddingBits(4);
    }

    @Test
    void staticInt8StoresTheTokenTableIn4BitBlocksAndQatTrainsAgainstExactlyThoseValues() throws Exception {
        QuantizeOptions options = staticOptions();
        QuantizationResult r = new StaticInt8Quantizer().quantize(TinyEncoder.build(13), options, ProgressListener.NONE);
        OnnxModel stored = r.model();
        Node lookup = lookup(stored);
        assertThat(stored.graph().initializers()).doesNotContainKey("emb");
        assertThat(dev.nncj.onnx.TokenEmbedding.hiddenSize(stored.graph())).contains(TinyEncoder.H);
        assertThat(r.quantizedNodes()).contains(lookup.name());

        Map<String, float[]> ranges = StaticInt8Quantizer.calibrate(TinyEncoder.build(13), options, ProgressListener.NONE);
        OnnxModel fake = StaticInt8Quantizer.fakeQuantized(TinyEncoder.build(13), options, ranges);
        assertThat(fake.graph().initializers()).doesNotContainKey("emb"); // not a trainable parameter
        Tensor trained = fake.graph().constantValue("emb").orElseThrow();
        float[] table = trained.toFloats();
        float[] original = TinyEncoder.build(13).graph().initializer("emb").orElseThrow().toFloats();
        assertThat(table).isNotEqualTo(original); // 4-bit values, not the float ones

        float[] looked = embeddingOutput(stored, lookup.output(0));
        int h = TinyEncoder.H;
        for (int t = 0; t < IDS[0].length; t++) {
            for (int c = 0; c < h; c++) {
                assertThat(looked[t * h + c]).as("token %d column %d", t, c)
                        .isEqualTo(table[(int) IDS[0][t] * h + c], org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
    }

    @Test
    void dynamicInt8StoresTheSameTable() throws Exception {
        QuantizationResult d = new DynamicInt8Quantizer().quantize(TinyEncoder.build(13),
                QuantizeOptions.defaults(QuantizationMode.DYNAMIC_INT8).withEmbeddingBits(4), ProgressListener.NONE);
        Node lookup = lookup(d.model());
        OnnxModel stored = new StaticInt8Quantizer().quantize(TinyEncoder.build(13), staticOptions(), ProgressListener.NONE).model();
        assertThat(embeddingOutput(d.model(), lookup.output(0)))
                .containsExactly(embeddingOutput(stored, lookup(stored).output(0)));
        long[][] zeros = new long[1][IDS[0].length];
        float[] all = OrtRun.run(d.model(), dir.resolve("dynamic.onnx"), Map.of("input_ids", IDS, "attention_mask", zeros,
                "token_type_ids", zeros));
        assertThat(all).hasSize(IDS[0].length * TinyEncoder.H);
    }

    /** The node that now computes the original word lookup's output (it keeps the Gather's name). */
    private static Node lookup(OnnxModel m) {
        String name = TinyEncoder.build(13).graph().nodes().stream().filter(n -> n.is("Gather")).findFirst()
                .orElseThrow().name();
        Node found = m.graph().node(name).orElseThrow();
        assertThat(found.opType()).isNotEqualTo("Gather");
        return found;
    }

    /** ORT's value of {@code tensor} (the lookup's output) for {@link #IDS}. */
    private float[] embeddingOutput(OnnxModel m, String tensor) throws Exception {
        m.graph().setOutputs(List.of(ValueInfos.tensor(tensor, DataType.FLOAT, "batch", "seq", TinyEncoder.H)));
        m.graph().removeDeadNodes();
        return OrtRun.run(m, dir.resolve(tensor.replaceAll("\\W", "_") + ".onnx"), Map.of("input_ids", IDS));
    }
}
