package dev.nncj.sparsity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NncjContainerTest {
    @TempDir
    Path dir;

    /** The MLP pruned to 0.8 with its zeros stored densely: the model every form must equal. */
    private OnnxModel denseZeros() {
        OnnxModel m = SparseModels.mlp();
        Sparsifier.sparsify(m, Path.of("mlp.onnx"), SparsifyOptions.magnitude(0.8, PruningPattern.Scope.GLOBAL)
                .withStorage(Storage.DENSE));
        m.putMetadata("note", "kept");
        return m;
    }

    @Test
    void roundTripGivesEveryTensorBackBitForBitAndOrtRunsIt() throws Exception {
        OnnxModel dense = denseZeros();
        Path densePath = dir.resolve("dense.onnx");
        OnnxFiles.save(dense, densePath);
        Path packed = dir.resolve("m.nncj");
        NncjContainer.PackResult r = NncjContainer.write(dense, packed);
        assertThat(r.packedTensors()).isEqualTo(2); // w1, w2; b2 (32 bytes) stays in the graph
        // bitmask: 1536 / 8 mask bytes + 307 non-zeros * 4, against 1536 * 4 raw
        assertThat(r.packedBytes()).isEqualTo(1536 / 8 + (1536 - 1228) * 4L);
        assertThat(r.fileBytes()).isEqualTo(Files.size(packed)).isLessThan(Files.size(densePath) / 3);

        OnnxModel back = NncjContainer.read(packed);
        assertThat(back.graph().initializers().keySet()).containsExactlyElementsOf(dense.graph().initializers().keySet());
        for (Tensor t : dense.graph().initializers().values()) {
            Tensor u = back.graph().initializer(t.name()).orElseThrow();
            assertThat(u.type()).isEqualTo(t.type());
            assertThat(u.shape()).isEqualTo(t.shape());
            assertThat(u.rawData()).isEqualTo(t.rawData());
        }
        assertThat(back.metadata()).containsEntry("note", "kept");
        assertThat(OnnxFiles.toBytes(back)).isEqualTo(OnnxFiles.toBytes(dense)); // the whole model, not only tensors

        Path unpacked = dir.resolve("unpacked.onnx");
        OnnxFiles.save(back, unpacked);
        float[] x = SparseModels.gaussian(32, 5);
        assertThat(SparseModels.run(unpacked, "x", new long[] {2, 16}, x))
                .containsExactly(SparseModels.run(densePath, "x", new long[] {2, 16}, x));
    }

    @Test
    void smallerThanOnnxSparseInitializers() {
        OnnxModel sparse = SparseModels.mlp();
        Sparsifier.sparsify(sparse, Path.of("mlp.onnx"), SparsifyOptions.magnitude(0.8, PruningPattern.Scope.GLOBAL));
        long sparseBytes = OnnxFiles.toBytes(sparse).length;
        long packedBytes = NncjContainer.write(denseZeros(), dir.resolve("m.nncj")).fileBytes();
        // per non-zero: 4 bytes + 1/8 byte per element of mask, against 4 + 2 (int16 index) bytes
        assertThat(packedBytes).isLessThan(sparseBytes);
    }

    @Test
    void negativeZeroSurvives() {
        float[] w = new float[100];
        w[7] = -0.0f;
        w[8] = 3f;
        byte[] payload = BitmaskCodec.encode(Tensor.ofFloats("w", new long[] {100}, w));
        assertThat(payload).hasSize(13 + 2 * 4);
        byte[] dense = BitmaskCodec.decode(payload, 100, 4);
        assertThat(ByteBuffer.wrap(dense)).isEqualTo(Tensor.ofFloats("w", new long[] {100}, w).rawData());
    }

    @Test
    void aTruncatedContainerSaysWhereItEnds() throws Exception {
        Path packed = dir.resolve("m.nncj");
        NncjContainer.write(denseZeros(), packed);
        byte[] bytes = Files.readAllBytes(packed);
        for (int cut : new int[] {10, 40, bytes.length / 2, bytes.length - 12, bytes.length - 3}) {
            Path cutFile = dir.resolve("cut" + cut + ".nncj");
            Files.write(cutFile, Arrays.copyOf(bytes, cut));
            assertThatThrownBy(() -> NncjContainer.read(cutFile)).as("cut at %d", cut)
                    .isInstanceOf(NncjException.class)
                    .hasMessageStartingWith(cutFile + ": is truncated (it ends inside ")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    @Test
    void notAContainerCorruptAndNewerFilesAreRefusedByName() throws Exception {
        Path onnx = dir.resolve("model.onnx");
        OnnxFiles.save(SparseModels.mlp(), onnx);
        assertThatThrownBy(() -> NncjContainer.read(onnx))
                .hasMessage(onnx + ": is not an NNCJ container (it does not start with NNCJPACK)");
        Path empty = Files.write(dir.resolve("empty.nncj"), new byte[0]);
        assertThatThrownBy(() -> NncjContainer.read(empty)).hasMessageContaining("is not an NNCJ container");

        Path packed = dir.resolve("m.nncj");
        NncjContainer.write(denseZeros(), packed);
        byte[] bytes = Files.readAllBytes(packed);

        byte[] flipped = bytes.clone();
        flipped[bytes.length - 20] ^= 1; // inside the last payload
        Path corrupt = Files.write(dir.resolve("corrupt.nncj"), flipped);
        assertThatThrownBy(() -> NncjContainer.read(corrupt)).hasMessage(corrupt + ": is corrupt: packed tensor w2 fails its CRC-32 check");

        byte[] newer = bytes.clone();
        newer[9] = 3; // version u16 after the 8-byte magic
        Path future = Files.write(dir.resolve("future.nncj"), newer);
        assertThatThrownBy(() -> NncjContainer.read(future))
                .hasMessage(future + ": is NNCJ container version 3; this NNCJ reads versions 1 and 2");

        byte[] graph = bytes.clone();
        graph[8 + 4 + 8 + 2] ^= 0x55; // inside the compressed skeleton, after its zlib header
        Path badGraph = Files.write(dir.resolve("graph.nncj"), graph);
        assertThatThrownBy(() -> NncjContainer.read(badGraph)).isInstanceOf(NncjException.class)
                .hasMessageStartingWith(badGraph + ": is corrupt: ");

        assertThatThrownBy(() -> NncjContainer.read(dir.resolve("absent.nncj"))).hasMessageEndingWith("absent.nncj: file not found");
    }

    @Test
    void theSkeletonIsCompressed() throws Exception {
        OnnxModel m = denseZeros();
        String text = "provenance that repeats itself, as option maps do. ".repeat(200);
        m.putMetadata("long", text);
        Path packed = dir.resolve("m.nncj");
        NncjContainer.PackResult r = NncjContainer.write(m, packed);
        assertThat(r.fileBytes() - r.packedBytes()).as("skeleton and headers").isLessThan(text.length() / 4);
        assertThat(NncjContainer.read(packed).metadata()).containsEntry("long", text);
    }

    @Test
    void versionOneContainersWithAnUncompressedSkeletonAreStillRead() throws Exception {
        OnnxModel m = denseZeros();
        byte[] proto = OnnxFiles.toBytes(m);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.write(NncjContainer.MAGIC);
            out.writeShort(1);
            out.writeShort(0);
            out.writeLong(proto.length);
            out.write(proto);
            out.writeInt(0); // nothing packed: every tensor in the skeleton
            out.write(NncjContainer.TRAILER);
        }
        Path old = Files.write(dir.resolve("v1.nncj"), bytes.toByteArray());
        assertThat(OnnxFiles.toBytes(NncjContainer.read(old))).isEqualTo(proto);
    }
}
