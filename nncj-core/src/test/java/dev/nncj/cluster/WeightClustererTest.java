package dev.nncj.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import dev.nncj.NncjException;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.runtime.OrtSessions;
import dev.nncj.runtime.RuntimeOptions;
import dev.nncj.sparsity.NncjContainer;
import dev.nncj.sparsity.PruningPattern;
import dev.nncj.sparsity.Sparsifier;
import dev.nncj.sparsity.SparsifyOptions;
import dev.nncj.sparsity.Storage;
import dev.nncj.sparsity.TensorCodec;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightClustererTest {
    @TempDir
    Path dir;

    private static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (r.nextGaussian() * 0.1);
        }
        return w;
    }

    /**
     * <pre>
     * x[4,64] ── MatMul(w1[64,128]) ── Add(b1[128]) ── Relu ── MatMul(w2[128,10]) ── y[4,10]
     * </pre>
     */
    static OnnxModel mlp() {
        GraphBuilder b = new GraphBuilder("mlp", 17);
        String x = b.input("x", DataType.FLOAT, 4, 64);
        String w1 = b.initializer(Tensor.ofFloats("w1", new long[] {64, 128}, gaussian(64 * 128, 1)));
        String b1 = b.initializer(Tensor.ofFloats("b1", new long[] {128}, gaussian(128, 2)));
        String w2 = b.initializer(Tensor.ofFloats("w2", new long[] {128, 10}, gaussian(128 * 10, 3)));
        String h = b.op("Relu", b.op("Add", b.op("MatMul", x, w1), b1));
        b.output(b.op("MatMul", h, w2), "y", DataType.FLOAT, 4, 10);
        return b.build();
    }

    private float[] run(OnnxModel model, String file, float[] x) throws Exception {
        Path path = dir.resolve(file);
        OnnxFiles.save(model, path);
        try (OrtSession s = OrtSessions.open(path, RuntimeOptions.defaults());
             OnnxTensor in = OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(x), new long[] {4, 64});
             OrtSession.Result r = s.run(Map.of("x", in))) {
            return ((OnnxTensor) r.get(0)).getFloatBuffer().array();
        }
    }

    @Test
    void ortRunsTheClusteredModelAndOutputsStayClose() throws Exception {
        OnnxModel original = mlp();
        float[] x = gaussian(4 * 64, 9);
        float[] expected = run(original, "fp32.onnx", x);
        OnnxModel clustered = mlp();
        ClusterResult result = WeightClusterer.cluster(clustered, Path.of("mlp.onnx"), ClusterOptions.of(32, ClusterInit.LINEAR));

        assertThat(result.weights()).extracting(ClusterResult.Clustered::name).containsExactly("w1", "w2");
        assertThat(result.weights()).allSatisfy(w -> assertThat(w.clusters()).isEqualTo(32));
        assertThat(result.weights().get(0).indexBits()).isEqualTo(6); // 32 centroids + the zero
        // the graph now holds uint8 indices and 32 floats per weight; b1 is untouched
        assertThat(clustered.graph().initializer("w1")).isEmpty();
        assertThat(CodebookWeight.find(clustered.graph())).hasSize(2);
        assertThat(clustered.graph().initializer("b1")).isPresent();
        float[] actual = run(clustered, "clustered.onnx", x);
        // 32 levels over about +-0.4: each weight moves at most ~0.013; outputs (sums of 64 and 128 terms) stay within 0.05
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).isCloseTo(expected[i], within(0.05f));
        }
        // and the file is smaller: 1 byte per weight instead of 4
        assertThat(Files.size(dir.resolve("clustered.onnx"))).isLessThan(Files.size(dir.resolve("fp32.onnx")) / 3);
    }

    @Test
    void prunedZerosStayExactlyZeroAndAreNotClustered() {
        OnnxModel m = mlp();
        Sparsifier.sparsify(m, Path.of("mlp.onnx"), SparsifyOptions.magnitude(0.75, PruningPattern.Scope.PER_LAYER)
                .withStorage(Storage.DENSE));
        float[] pruned = m.graph().initializer("w1").orElseThrow().toFloats();
        ClusterResult result = WeightClusterer.cluster(m, Path.of("mlp.onnx"), ClusterOptions.of(4, ClusterInit.DENSITY));
        assertThat(result.weights().get(0).nonZeros()).isEqualTo(64 * 128 / 4);
        CodebookWeight w1 = CodebookWeight.find(m.graph()).get(0);
        float[] rebuilt = w1.dense(m.graph());
        float[] codebook = m.graph().initializer(w1.codebook()).orElseThrow().toFloats();
        assertThat(codebook).hasSize(4).doesNotContain(0f);
        for (int i = 0; i < pruned.length; i++) {
            if (pruned[i] == 0f) {
                assertThat(rebuilt[i]).isEqualTo(0f);
            } else {
                assertThat(rebuilt[i]).isIn(codebook[0], codebook[1], codebook[2], codebook[3]);
            }
        }
    }

    @Test
    void containerHuffmanCodesTheIndicesAndRoundTripsExactly() throws Exception {
        OnnxModel m = mlp();
        Sparsifier.sparsify(m, Path.of("mlp.onnx"), SparsifyOptions.magnitude(0.9, PruningPattern.Scope.GLOBAL)
                .withStorage(Storage.DENSE));
        WeightClusterer.cluster(m, Path.of("mlp.onnx"), ClusterOptions.of(16, ClusterInit.LINEAR));
        Path packed = dir.resolve("m.nncj");
        NncjContainer.PackResult r = NncjContainer.write(m, packed);
        assertThat(r.tensors()).extracting(NncjContainer.PackedTensor::codec).containsOnly(TensorCodec.HUFFMAN);
        // 10% non-zeros, each a ~4-bit index plus a ~4-bit gap: about 1 bit per weight, far below the 8 of uint8
        assertThat(r.tensors()).allSatisfy(t -> assertThat(t.bitsPerElement()).isLessThan(1.6));
        OnnxModel back = NncjContainer.read(packed);
        for (Tensor t : m.graph().initializers().values()) {
            assertThat(back.graph().initializer(t.name()).orElseThrow().rawData()).as(t.name()).isEqualTo(t.rawData());
        }
        float[] x = gaussian(4 * 64, 5);
        assertThat(run(back, "back.onnx", x)).containsExactly(run(m, "m.onnx", x));
    }

    /** x[1,8,6,6] ── Conv(w[4,8,3,3], b[4]) ── y[1,4,4,4]: a 4-d weight clusters the same way. */
    @Test
    void convolutionWeightsClusterAndOrtRunsThem() throws Exception {
        GraphBuilder b = new GraphBuilder("conv", 17);
        String x = b.input("x", DataType.FLOAT, 1, 8, 6, 6);
        String w = b.initializer(Tensor.ofFloats("w", new long[] {4, 8, 3, 3}, gaussian(4 * 8 * 9, 4)));
        String bias = b.initializer(Tensor.ofFloats("b", new long[] {4}, gaussian(4, 5)));
        b.output(b.op("Conv", x, w, bias), "y", DataType.FLOAT, 1, 4, 4, 4);
        OnnxModel conv = b.build();
        float[] input = gaussian(8 * 36, 6);
        float[] expected = runConv(conv, "conv.onnx", input);
        ClusterResult r = WeightClusterer.cluster(conv, Path.of("conv.onnx"), ClusterOptions.of(64, ClusterInit.LINEAR));
        assertThat(r.weights()).extracting(ClusterResult.Clustered::opType).containsExactly("Conv");
        float[] actual = runConv(conv, "conv-clustered.onnx", input);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).isCloseTo(expected[i], within(0.02f)); // 64 levels over +-0.3, 72 terms per output
        }
    }

    private float[] runConv(OnnxModel model, String file, float[] x) throws Exception {
        Path path = dir.resolve(file);
        OnnxFiles.save(model, path);
        try (OrtSession s = OrtSessions.open(path, RuntimeOptions.defaults());
             OnnxTensor in = OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(x), new long[] {1, 8, 6, 6});
             OrtSession.Result r = s.run(Map.of("x", in))) {
            return ((OnnxTensor) r.get(0)).getFloatBuffer().array();
        }
    }

    @Test
    void aModelWithNothingToClusterIsAOneLineError() {
        OnnxModel m = mlp();
        WeightClusterer.cluster(m, Path.of("mlp.onnx"), ClusterOptions.of(8, ClusterInit.LINEAR));
        assertThatThrownBy(() -> WeightClusterer.cluster(m, Path.of("mlp.onnx"), ClusterOptions.of(8, ClusterInit.LINEAR)))
                .isInstanceOf(NncjException.class).hasMessageContaining("mlp.onnx").hasMessageContaining("no weights to cluster");
    }

    @Test
    void clusterCountOutsideOneTo255IsRefused() {
        assertThatThrownBy(() -> ClusterOptions.of(256, ClusterInit.LINEAR)).hasMessageContaining("1..255");
        assertThatThrownBy(() -> ClusterOptions.of(0, ClusterInit.LINEAR)).hasMessageContaining("1..255");
        assertThat(List.of(ClusterInit.parse("density"))).containsExactly(ClusterInit.DENSITY);
        assertThatThrownBy(() -> ClusterInit.parse("kmeans++")).hasMessageContaining("linear, density or random");
    }
}
