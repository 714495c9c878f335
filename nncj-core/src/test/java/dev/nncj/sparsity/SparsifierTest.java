package dev.nncj.sparsity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparsifierTest {
    @TempDir
    Path dir;

    private final Path source = Path.of("mlp.onnx");

    @Test
    void magnitudeReachesExactlyTheAskedSparsity() {
        for (PruningPattern.Scope scope : PruningPattern.Scope.values()) {
            OnnxModel model = SparseModels.mlp();
            SparsifyResult r = Sparsifier.sparsify(model, source,
                    SparsifyOptions.magnitude(0.8, scope).withStorage(Storage.DENSE));
            // 1,024 + 512 weights: floor(0.8 * 1536) = 1228 globally; 819 + 409 = 1228 per layer
            assertThat(r.zeros()).as(scope.name()).isEqualTo(1228);
            assertThat(zeros(model, "w1") + zeros(model, "w2")).isEqualTo(1228);
            if (scope == PruningPattern.Scope.PER_LAYER) {
                assertThat(zeros(model, "w1")).isEqualTo(819);
                assertThat(zeros(model, "w2")).isEqualTo(409);
            }
            assertThat(zeros(model, "b2")).isZero(); // biases are never pruned
        }
    }

    @Test
    void layerRatesPruneEachMatchedTensorAtItsOwnRate() {
        OnnxModel model = SparseModels.mlp();
        // w1 by its initializer name, w2 by its op type; the first match wins
        PruningPattern rates = new PruningPattern.LayerRates(List.of(PruningPattern.LayerRate.parse("w1=0.9"),
                PruningPattern.LayerRate.parse("Gemm=0.25"), PruningPattern.LayerRate.parse("w.*=0.5")), 0.1);
        Sparsifier.sparsify(model, source, new SparsifyOptions(rates, NodeFilter.all(), false, Storage.DENSE));
        assertThat(zeros(model, "w1")).isEqualTo(MagnitudeMask.count(0.9, 1024));
        assertThat(zeros(model, "w2")).isEqualTo(MagnitudeMask.count(0.25, 512));

        OnnxModel other = SparseModels.mlp(); // no pattern matches w2: it gets the rate for the others
        Sparsifier.sparsify(other, source, new SparsifyOptions(new PruningPattern.LayerRates(
                List.of(PruningPattern.LayerRate.parse("w1=0.9")), 0.3), NodeFilter.all(), false, Storage.DENSE));
        assertThat(zeros(other, "w2")).isEqualTo(MagnitudeMask.count(0.3, 512));
    }

    @Test
    void layerRatesMapForIterativeRoundsAndRefuseBadText() {
        PruningPattern.LayerRates rates = new PruningPattern.LayerRates(List.of(PruningPattern.LayerRate.parse("fc1=0.9")), 0.6);
        PruningPattern.LayerRates half = rates.map(s -> s / 2);
        assertThat(half.rates().get(0).sparsity()).isCloseTo(0.45, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(half.rates().get(0).pattern()).isEqualTo("fc1");
        assertThat(half.otherwise()).isCloseTo(0.3, org.assertj.core.data.Offset.offset(1e-12));
        assertThatThrownBy(() -> PruningPattern.LayerRate.parse("fc1")).hasMessageContaining("PATTERN=S");
        assertThatThrownBy(() -> PruningPattern.LayerRate.parse("fc1=x")).hasMessageContaining("S a number");
        assertThatThrownBy(() -> PruningPattern.LayerRate.parse("fc1=1.0")).hasMessage("sparsity must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> PruningPattern.LayerRate.parse("fc(=0.5")).hasMessageContaining("not a valid regular expression");
    }

    @Test
    void globalThresholdMatchesOneComputedByHand() {
        OnnxModel model = SparseModels.mlp();
        float[] all = new float[1536];
        System.arraycopy(abs(SparseModels.gaussian(1024, 1)), 0, all, 0, 1024);
        System.arraycopy(abs(SparseModels.gaussian(512, 2)), 0, all, 1024, 512);
        java.util.Arrays.sort(all);
        float threshold = all[1227]; // the 1228th smallest magnitude (Gaussian: no ties)
        Sparsifier.sparsify(model, source, SparsifyOptions.magnitude(0.8, PruningPattern.Scope.GLOBAL)
                .withStorage(Storage.DENSE));
        for (String name : List.of("w1", "w2")) {
            float[] before = SparseModels.gaussian(name.equals("w1") ? 1024 : 512, name.equals("w1") ? 1 : 2);
            float[] after = model.graph().initializer(name).orElseThrow().toFloats();
            for (int i = 0; i < before.length; i++) {
                assertThat(after[i]).isEqualTo(Math.abs(before[i]) <= threshold ? 0f : before[i]);
            }
        }
    }

    @Test
    void nOfMPrunesEveryGroupAndSkipsAxesThatDoNotDivide() {
        OnnxModel model = SparseModels.mlp();
        SparsifyResult r = Sparsifier.sparsify(model, source, new SparsifyOptions(new PruningPattern.NofM(2, 4),
                NodeFilter.all(), false, Storage.DENSE));
        assertThat(r.zeros()).isEqualTo(768); // half of each, w1 grouped down columns, w2 along rows
        float[] w2 = model.graph().initializer("w2").orElseThrow().toFloats();
        for (int g = 0; g < w2.length; g += 4) {
            int z = 0;
            for (int j = 0; j < 4; j++) {
                z += w2[g + j] == 0 ? 1 : 0;
            }
            assertThat(z).isEqualTo(2);
        }
        OnnxModel conv = SparseModels.conv(); // 8 input channels: divides by 4 but not by 3
        SparsifyResult skipped = Sparsifier.sparsify(conv, source, new SparsifyOptions(new PruningPattern.NofM(1, 3),
                NodeFilter.all(), false, Storage.DENSE));
        assertThat(skipped.zeros()).isZero();
        assertThat(skipped.notes()).singleElement().asString().contains("w kept dense").contains("(8)");
    }

    @Test
    void sparseStorageShrinksTheFileAndOrtGivesBitIdenticalOutputs() throws Exception {
        for (PruningPattern pattern : List.of(new PruningPattern.Magnitude(0.8, PruningPattern.Scope.GLOBAL),
                new PruningPattern.NofM(1, 4))) {
            OnnxModel dense = SparseModels.mlp();
            OnnxModel sparse = SparseModels.mlp();
            Sparsifier.sparsify(dense, source, new SparsifyOptions(pattern, NodeFilter.all(), false, Storage.DENSE));
            SparsifyResult r = Sparsifier.sparsify(sparse, source,
                    new SparsifyOptions(pattern, NodeFilter.all(), false, Storage.SPARSE_INITIALIZERS));
            assertThat(r.storedSparse()).isEqualTo(2);
            assertThat(sparse.graph().initializers()).containsOnlyKeys("b2");
            Path original = dir.resolve("original.onnx");
            Path densePath = dir.resolve("dense.onnx");
            Path sparsePath = dir.resolve("sparse.onnx");
            OnnxFiles.save(SparseModels.mlp(), original);
            OnnxFiles.save(dense, densePath);
            OnnxFiles.save(sparse, sparsePath);
            // 0.8: 1536 * 0.2 non-zeros at 4 + 2 bytes instead of 1536 * 4 bytes
            assertThat(Files.size(sparsePath)).as(pattern.toString()).isLessThan(Files.size(original) / 2);
            assertThat(Files.size(densePath)).isEqualTo(Files.size(original));

            float[] x = SparseModels.gaussian(32, 11);
            float[] fromDense = SparseModels.run(densePath, "x", new long[] {2, 16}, x);
            float[] fromSparse = SparseModels.run(sparsePath, "x", new long[] {2, 16}, x);
            assertThat(bits(fromSparse)).isEqualTo(bits(fromDense));
            assertThat(bits(fromDense)).isNotEqualTo(bits(SparseModels.run(original, "x", new long[] {2, 16}, x)));

            // and our own loader expands it back to the dense-with-zeros weights, bit for bit
            OnnxModel reloaded = OnnxFiles.load(sparsePath);
            for (var s : reloaded.graph().sparseInitializers()) {
                Tensor expanded = SparseInitializers.decode(s, dir);
                assertThat(expanded.rawData()).isEqualTo(dense.graph().initializer(expanded.name()).orElseThrow().rawData());
            }
        }
    }

    @Test
    void anOldIrVersionIsRaisedToTheOneThatHasSparseInitializers() throws Exception {
        OnnxModel model = SparseModels.mlp();
        model.setIrVersion(4);
        Sparsifier.sparsify(model, source, SparsifyOptions.magnitude(0.8, PruningPattern.Scope.GLOBAL));
        assertThat(model.irVersion()).isEqualTo(6);
        Path file = dir.resolve("ir6.onnx");
        OnnxFiles.save(model, file);
        assertThat(SparseModels.run(file, "x", new long[] {2, 16}, new float[32])).hasSize(16);
        OnnxModel dense = SparseModels.mlp();
        dense.setIrVersion(4);
        Sparsifier.sparsify(dense, source, SparsifyOptions.magnitude(0.8, PruningPattern.Scope.GLOBAL).withStorage(Storage.DENSE));
        assertThat(dense.irVersion()).isEqualTo(4); // nothing sparse stored: left as it was
    }

    @Test
    void embeddingsArePrunedOnlyWhenAsked() {
        OnnxModel without = TinyModels.tokenEmbedder(100, 0.1f);
        assertThatThrownBy(() -> Sparsifier.sparsify(without, Path.of("emb.onnx"),
                SparsifyOptions.magnitude(0.5, PruningPattern.Scope.GLOBAL)))
                .isInstanceOf(NncjException.class)
                .hasMessage("emb.onnx: has no prunable weights: no MatMul, Gemm or Conv reads a floating-point "
                        + "initializer that include/exclude select");
        OnnxModel with = TinyModels.tokenEmbedder(100, 0.1f);
        SparsifyResult r = Sparsifier.sparsify(with, Path.of("emb.onnx"),
                SparsifyOptions.magnitude(0.5, PruningPattern.Scope.GLOBAL).withEmbeddings(true));
        assertThat(r.weights()).singleElement().satisfies(w -> {
            assertThat(w.opType()).isEqualTo("Gather");
            assertThat(w.zeros()).isEqualTo(200);
        });
    }

    @Test
    void aSparseWordTableStillGivesTheVocabularySize() {
        // input_ids ── Gather(words[100,8]) ─┐
        // token_type_ids ── Gather(types[2,8]) ─ Add ── y
        dev.nncj.onnx.GraphBuilder b = new dev.nncj.onnx.GraphBuilder("two_tables", 17);
        String ids = b.input("input_ids", dev.nncj.onnx.DataType.INT64, 1, "seq");
        String types = b.input("token_type_ids", dev.nncj.onnx.DataType.INT64, 1, "seq");
        String words = b.initializer(Tensor.ofFloats("words", new long[] {100, 8}, SparseModels.gaussian(800, 1)));
        String typeTable = b.initializer(Tensor.ofFloats("types", new long[] {2, 8}, SparseModels.gaussian(16, 2)));
        b.output(b.op("Add", b.op("Gather", words, ids), b.op("Gather", typeTable, types)), "y",
                dev.nncj.onnx.DataType.FLOAT, 1, "seq", 8);
        OnnxModel model = b.build();
        Sparsifier.sparsify(model, Path.of("two.onnx"), SparsifyOptions.magnitude(0.8, PruningPattern.Scope.GLOBAL)
                .withEmbeddings(true));
        assertThat(model.graph().isInitializer("words")).isFalse(); // now a sparse initializer
        assertThat(dev.nncj.onnx.TokenEmbedding.vocabularySize(model.graph())).contains(100);
    }

    @Test
    void excludeKeepsANodesWeightDense() {
        OnnxModel model = SparseModels.mlp();
        SparsifyResult r = Sparsifier.sparsify(model, source, new SparsifyOptions(
                new PruningPattern.Magnitude(0.5, PruningPattern.Scope.PER_LAYER),
                new NodeFilter(List.of(), List.of("Gemm")), false, Storage.SPARSE_INITIALIZERS));
        assertThat(r.weights()).extracting(WeightSparsity::name).containsExactly("w1");
        assertThat(zeros(model, "w2")).isZero();
    }

    @Test
    void aModelWithoutWeightsIsRefused() {
        assertThatThrownBy(() -> Sparsifier.sparsify(SparseModels.noWeights(), Path.of("add.onnx"),
                SparsifyOptions.magnitude(0.5, PruningPattern.Scope.GLOBAL)))
                .isInstanceOf(NncjException.class)
                .hasMessageStartingWith("add.onnx: has no prunable weights");
    }

    @Test
    void badPatternsAreRefused() {
        assertThatThrownBy(() -> new PruningPattern.Magnitude(1.0, PruningPattern.Scope.GLOBAL))
                .hasMessage("sparsity must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> new PruningPattern.Magnitude(-0.1, PruningPattern.Scope.GLOBAL))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PruningPattern.Magnitude(Double.NaN, PruningPattern.Scope.GLOBAL))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PruningPattern.NofM.parse("3:2")).hasMessage("N:M needs 1 <= N < M, got 3:2");
        assertThatThrownBy(() -> PruningPattern.NofM.parse("0:4")).hasMessage("N:M needs 1 <= N < M, got 0:4");
        assertThatThrownBy(() -> PruningPattern.NofM.parse("2-4")).hasMessage("N:M must look like 2:4, got '2-4'");
        assertThat(PruningPattern.NofM.parse("2:4")).isEqualTo(new PruningPattern.NofM(2, 4));
    }

    private static long zeros(OnnxModel model, String name) {
        float[] v = model.graph().initializer(name).orElseThrow().toFloats();
        long z = 0;
        for (float f : v) {
            z += f == 0 ? 1 : 0;
        }
        return z;
    }

    private static float[] abs(float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.abs(v[i]);
        }
        return out;
    }

    private static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Float.floatToRawIntBits(v[i]);
        }
        return out;
    }
}
