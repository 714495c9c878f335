package dev.nncj.sparsity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.nncj.NncjException;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and broken containers (issue 17, item 2): each is refused with one line naming the file
 * and the field, having allocated no more than a few MB (measured on this thread, so the test fails
 * on the old reader, which allocated the declared gigabytes first).
 */
class NncjContainerBoundsTest {
    /** Reading a few-KB container (buffers, the parsed graph, the decoded model) stays far below this. */
    private static final long FEW_MB = 8L << 20;

    @TempDir
    Path dir;

    /**
     * The MLP of {@link SparseModels#mlp} pruned to 0.8 with its zeros stored densely (w1, w2:
     * bitmask-packed), and cluster indices as Deep Compression leaves them (Huffman-packed):
     * idx (4,096, 90% zeros: gaps), dense_idx (2,048, 40% zeros: bitmask form), full_idx (1,024, no
     * zeros) and zero_idx (100,000 zeros: 21 bytes for 100 KB).
     */
    private static OnnxModel model() {
        OnnxModel m = SparseModels.mlp();
        Sparsifier.sparsify(m, Path.of("mlp.onnx"), SparsifyOptions.magnitude(0.8, PruningPattern.Scope.GLOBAL)
                .withStorage(Storage.DENSE));
        m.graph().addInitializer(uint8("idx", indices(4096, 0.1, 5)));
        m.graph().addInitializer(uint8("dense_idx", indices(2048, 0.6, 6)));
        m.graph().addInitializer(uint8("full_idx", indices(1024, 1.0, 7)));
        m.graph().addInitializer(uint8("zero_idx", new byte[100_000]));
        return m;
    }

    private static Tensor uint8(String name, byte[] values) {
        return Tensor.ofRaw(name, DataType.UINT8, new long[] {values.length}, ByteBuffer.wrap(values));
    }

    private static byte[] indices(int n, double density, long seed) {
        Random r = new Random(seed);
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) {
            if (r.nextDouble() < density) {
                v[i] = (byte) (1 + r.nextInt(15));
            }
        }
        return v;
    }

    /**
     * <pre>
     * x[256] ── Mul(w[256], 80% zeros: bitmask) ── y[256]
     * </pre>
     * plus idx (uint8 [512], 90% zeros: Huffman gaps): a container of every field in 500 bytes,
     * small enough to cut at every offset.
     */
    private static OnnxModel tinyModel() {
        GraphBuilder b = new GraphBuilder("tiny", 17);
        String x = b.input("x", DataType.FLOAT, 256);
        float[] w = SparseModels.gaussian(256, 8);
        for (int i = 0; i < w.length; i++) {
            w[i] = i % 5 == 0 ? w[i] : 0f;
        }
        String weight = b.initializer(Tensor.ofFloats("w", new long[] {256}, w));
        b.output(b.op("Mul", x, weight), "y", DataType.FLOAT, 256);
        b.initializer(uint8("idx", indices(512, 0.1, 9)));
        return b.build();
    }

    private Path writtenTiny() {
        Path file = dir.resolve("tiny.nncj");
        NncjContainer.PackResult r = NncjContainer.write(tinyModel(), file);
        assertThat(r.tensors()).extracting(NncjContainer.PackedTensor::codec).containsExactly(TensorCodec.BITMASK, TensorCodec.HUFFMAN);
        return file;
    }

    private Path written() {
        Path file = dir.resolve("m.nncj");
        NncjContainer.write(model(), file);
        return file;
    }

    private ContainerBytes parsed() throws Exception {
        return ContainerBytes.parse(Files.readAllBytes(written()));
    }

    private Path forged(String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name + ".nncj"), bytes);
    }

    private static long allocatedSoFar() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** Reads {@code file}, which must be refused in one line naming it, having allocated at most a few MB; the line. */
    private static String refusal(Path file) {
        long before = allocatedSoFar();
        Throwable thrown = null;
        try {
            NncjContainer.read(file);
        } catch (Throwable t) {
            thrown = t;
        }
        long allocated = allocatedSoFar() - before;
        assertThat(thrown).as("reading %s", file).isInstanceOf(NncjException.class);
        assertThat(thrown.getMessage()).startsWith(file + ": ").doesNotContain("\n");
        assertThat(allocated).as("bytes allocated refusing %s: %s", file, thrown.getMessage()).isLessThan(FEW_MB);
        return thrown.getMessage();
    }

    private static int indexOf(ModelProto skeleton, String tensor) {
        List<TensorProto> inits = skeleton.getGraph().getInitializerList();
        for (int i = 0; i < inits.size(); i++) {
            if (inits.get(i).getName().equals(tensor)) {
                return i;
            }
        }
        throw new IllegalArgumentException(tensor);
    }

    private static ModelProto withDims(ModelProto skeleton, String tensor, Long... dims) {
        ModelProto.Builder b = skeleton.toBuilder();
        int i = indexOf(skeleton, tensor);
        b.getGraphBuilder().setInitializer(i, b.getGraph().getInitializer(i).toBuilder().clearDims().addAllDims(Arrays.asList(dims)));
        return b.build();
    }

    /** The packed tensor's position among the packed ones (the placeholders' order). */
    private static int packedIndex(ModelProto skeleton, String tensor) {
        return (int) skeleton.getGraph().getInitializerList().stream()
                .takeWhile(t -> !t.getName().equals(tensor)).filter(ContainerReader::isPlaceholder).count();
    }

    @Test
    void everyFormRoundTripsBitForBit() throws Exception {
        OnnxModel m = model();
        Path file = dir.resolve("m.nncj");
        NncjContainer.PackResult r = NncjContainer.write(m, file);
        assertThat(r.tensors()).extracting(NncjContainer.PackedTensor::codec).containsExactly(TensorCodec.BITMASK,
                TensorCodec.BITMASK, TensorCodec.HUFFMAN, TensorCodec.HUFFMAN, TensorCodec.HUFFMAN, TensorCodec.HUFFMAN);
        ContainerBytes c = ContainerBytes.parse(Files.readAllBytes(file));
        assertThat(c.tensors.subList(2, 6)).extracting(p -> p.payload[0]).as("position forms of the Huffman tensors")
                .containsExactly((byte) 1, (byte) 0, (byte) 2, (byte) 1);
        assertThat(c.tensors.get(5).payload).as("100,000 zeros").hasSize(21);
        assertThat(OnnxFiles.toBytes(NncjContainer.read(file))).isEqualTo(OnnxFiles.toBytes(m));
        // the forger writes what the writer does: the other tests start from a faithful copy
        assertThat(c.toBytes()).isEqualTo(Files.readAllBytes(file));
    }

    @Test
    void aTinyFileDeclaringHundredsOfMegabytesIsRefusedBeforeItsTensorIsAllocated() throws Exception {
        // issue 17: 189 bytes unpacked to a 500 MB model (an all-zero uint8 tensor costs 21 bytes at any size)
        ContainerBytes c = parsed();
        c.skeleton = withDims(c.skeleton, "zero_idx", 500_000_000L);
        c.tensors.get(packedIndex(c.skeleton, "zero_idx")).elements = 500_000_000L;
        Path bomb = forged("bomb", c.toBytes());
        assertThat(refusal(bomb)).isEqualTo(String.format(java.util.Locale.ROOT,
                "%s: is corrupt or a decompression bomb: tensor zero_idx declares 500,000,000 elements of uint8 "
                        + "(500,000,000 bytes), past the 1,048,576 bytes a container of %,d bytes may decode to "
                        + "(256 times its size, at least 1 MiB)", bomb, Files.size(bomb)));

        c.skeleton = withDims(c.skeleton, "w1", 1L << 20, 1L << 20);
        c.tensors.get(0).elements = 1L << 40;
        assertThat(refusal(forged("w1", c.toBytes()))).contains(": tensor w1 declares 1,099,511,627,776 elements of float32 "
                + "(4,398,046,511,104 bytes), past the ");
    }

    @Test
    void tensorsTogetherMayNotPassTheCeilingEither() throws Exception {
        // issue 17: 369 bytes drove the JVM to 8.4 GB; each tensor here fits, the two together do not
        ContainerBytes c = parsed();
        c.skeleton = withDims(c.skeleton, "zero_idx", 600_000L);
        c.tensors.get(packedIndex(c.skeleton, "zero_idx")).elements = 600_000L;
        c.skeleton = withDims(c.skeleton, "idx", 600_000L);
        ContainerBytes.Packed idx = c.tensors.get(packedIndex(c.skeleton, "idx"));
        idx.elements = 600_000L;
        idx.payload = HuffmanCodec.encode(uint8("idx", new byte[1000])); // all zeros: fits any length
        assertThat(refusal(forged("two", c.toBytes()))).contains("decompression bomb: tensor zero_idx declares 600,000");
    }

    @Test
    void impossibleShapesAreCorruptNotArithmeticErrors() throws Exception {
        ContainerBytes c = parsed();
        c.skeleton = withDims(c.skeleton, "w1", 1L << 32, 1L << 32);
        assertThat(refusal(forged("overflow", c.toBytes())))
                .endsWith(": is corrupt: tensor w1 has dimensions [4294967296, 4294967296] whose product passes 2^63");
        c.skeleton = withDims(parsed().skeleton, "w1", -16L, -64L);
        assertThat(refusal(forged("negative", c.toBytes())))
                .endsWith(": is corrupt: tensor w1 has a negative dimension in [-16, -64]");
        // a tensor kept in the graph cannot declare more than its bytes hold (typed fields were allocated first)
        c.skeleton = withDims(parsed().skeleton, "b2", 1L << 28);
        assertThat(refusal(forged("inline", c.toBytes())))
                .contains(": is corrupt: tensor b2 declares 268,435,456 elements of float32 (1,073,741,824 bytes) but holds ");
    }

    @Test
    void huffmanCountsAreCheckedAgainstTheBitsThatCanHoldThemBeforeAnyArray() {
        // issue 17: 179 bytes spent 47 s and 7.9 GB (an int array per declared non-zero) before "corrupt"
        byte[] oneByteStream = {0, 2, 0, 1, 0, 0, 0, 1, (byte) 0xff}; // symbols 0..1, symbol 1 coded in 1 bit; 8 symbols
        int n = 1_000_000_000;
        ByteArrayOutputStream noZeros = new ByteArrayOutputStream();
        noZeros.write(2);
        CanonicalHuffman.writeInt(noZeros, n);
        noZeros.writeBytes(oneByteStream);
        assertDecodeRefused(noZeros.toByteArray(), n, "Huffman stream of 1 bytes cannot hold 1000000000 symbols");

        ByteArrayOutputStream gaps = new ByteArrayOutputStream();
        gaps.write(1);
        CanonicalHuffman.writeInt(gaps, 8);
        CanonicalHuffman.writeInt(gaps, n / 255); // a filler per 255 zeros: allowed by the shape, not by the bits
        gaps.writeBytes(oneByteStream);
        gaps.writeBytes(oneByteStream);
        assertDecodeRefused(gaps.toByteArray(), n, "Huffman stream of 1 bytes cannot hold 3921568 symbols");

        ByteArrayOutputStream mask = new ByteArrayOutputStream();
        mask.write(0);
        CanonicalHuffman.writeInt(mask, 8);
        mask.writeBytes(oneByteStream);
        assertDecodeRefused(mask.toByteArray(), n, "Huffman payload is shorter than its bitmask");

        long before = allocatedSoFar();
        assertThatThrownBy(() -> CanonicalHuffman.decode(oneByteStream, new int[] {0}, n))
                .hasMessage("Huffman stream of 1 bytes cannot hold 1000000000 symbols");
        assertThat(allocatedSoFar() - before).isLessThan(FEW_MB);
    }

    private static void assertDecodeRefused(byte[] payload, int elements, String why) {
        long before = allocatedSoFar();
        assertThatThrownBy(() -> HuffmanCodec.decode(payload, elements)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(why);
        assertThat(allocatedSoFar() - before).as(why).isLessThan(FEW_MB);
    }

    @Test
    void aDeflateBombSkeletonStopsAtTheCeiling() throws Exception {
        // issue 17: a 1.2 MB skeleton inflated to a 1.26 GB output; here 100 MB of zeros in ~100 KB
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        byte[] zeros = new byte[1 << 20];
        byte[] buffer = new byte[1 << 16];
        for (int mb = 0; mb < 100; mb++) {
            deflater.setInput(zeros);
            while (!deflater.needsInput()) {
                stored.write(buffer, 0, deflater.deflate(buffer));
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            stored.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        ContainerBytes c = new ContainerBytes();
        c.storedSkeleton = stored.toByteArray();
        Path bomb = forged("deflate", c.toBytes());
        assertThat(Files.size(bomb)).isLessThan(200_000);
        assertThat(refusal(bomb)).isEqualTo(String.format(java.util.Locale.ROOT, "%s: is corrupt or a decompression bomb: "
                + "its ONNX graph keeps inflating, past the %,d bytes a container of %,d bytes may decode to "
                + "(256 times its size, at least 1 MiB)", bomb, 256 * Files.size(bomb), Files.size(bomb)));
    }

    @Test
    void lengthAndCountFieldsAreCheckedAgainstTheBytesLeft() throws Exception {
        Path file = written();
        byte[] bytes = Files.readAllBytes(file);
        ContainerBytes c = ContainerBytes.parse(bytes);
        int skeletonLength = 8 + 4;
        int count = skeletonLength + 8 + (int) ByteBuffer.wrap(bytes, skeletonLength, 8).getLong();
        int firstLength = count + 4 + 1 + 8;

        assertThat(refusal(forged("graph", withLong(bytes, skeletonLength, 1L << 40))))
                .contains(": is truncated (it ends inside its ONNX graph; it declares 1099511627776 bytes, ");
        assertThat(refusal(forged("graphNegative", withLong(bytes, skeletonLength, -1))))
                .endsWith(": is corrupt: its ONNX graph declares -1 bytes");
        assertThat(refusal(forged("payload", withLong(bytes, firstLength, 1L << 40))))
                .contains(": is corrupt: packed tensor w1: bitmask payload of 1099511627776 bytes, its mask alone takes 128");
        assertThat(refusal(forged("payloadNegative", withLong(bytes, firstLength, Long.MIN_VALUE))))
                .endsWith(": is corrupt: packed tensor w1 declares -9223372036854775808 bytes");

        c.count = Integer.MAX_VALUE;
        assertThat(refusal(forged("count", c.toBytes())))
                .endsWith(": is corrupt: 2147483647 packed tensors, the graph expects 6");
        c.count = -1;
        assertThat(refusal(forged("countNegative", c.toBytes())))
                .endsWith(": is corrupt: 4294967295 packed tensors, the graph expects 6");
    }

    @Test
    void aGraphOfManyPlaceholdersWithoutTheirBytesIsTruncatedNotAllocated() throws Exception {
        ContainerBytes c = parsed();
        ModelProto.Builder b = c.skeleton.toBuilder();
        TensorProto placeholder = b.getGraph().getInitializer(indexOf(c.skeleton, "w1")).toBuilder().clearDims().addDims(1).build();
        b.getGraphBuilder().clearInitializer();
        for (int i = 0; i < 2_000; i++) {
            b.getGraphBuilder().addInitializer(placeholder.toBuilder().setName("p" + i));
        }
        c.skeleton = b.build();
        c.tensors.clear();
        c.count = 2_000;
        assertThat(refusal(forged("placeholders", c.toBytes())))
                .endsWith(": is truncated (it ends inside its packed tensors; 2000 of them need at least 42008 bytes, 8 remain)");
    }

    private static byte[] withLong(byte[] bytes, int at, long value) {
        byte[] b = bytes.clone();
        ByteBuffer.wrap(b).putLong(at, value);
        return b;
    }

    @Test
    void aContainerCutAtEveryOffsetIsTruncated() throws Exception {
        byte[] bytes = Files.readAllBytes(writtenTiny());
        assertThat(bytes.length).isLessThan(800);
        Path cut = dir.resolve("cut.nncj");
        for (int length = 1; length < bytes.length; length++) {
            Files.write(cut, Arrays.copyOf(bytes, length));
            assertThat(refusal(cut)).as("cut at %d of %d", length, bytes.length).startsWith(cut + ": is truncated (it ends inside ");
        }
    }

    @Test
    void randomByteChangesAreRefusedByNameOrChangeNothing() throws Exception {
        byte[] expected = OnnxFiles.toBytes(tinyModel());
        byte[] bytes = Files.readAllBytes(writtenTiny());
        Random r = new Random(17);
        Path mutated = dir.resolve("mutated.nncj");
        int refused = 0;
        for (int trial = 0; trial < 400; trial++) {
            byte[] b = bytes.clone();
            for (int k = 1 + r.nextInt(3); k > 0; k--) {
                b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
            }
            Files.write(mutated, b);
            long before = allocatedSoFar();
            try {
                // the flags field is read and ignored; anything else changed must be caught
                assertThat(OnnxFiles.toBytes(NncjContainer.read(mutated))).as("trial %d", trial).isEqualTo(expected);
            } catch (NncjException e) {
                refused++;
                assertThat(e.getMessage()).as("trial %d", trial).startsWith(mutated + ": ").doesNotContain("\n");
            }
            assertThat(allocatedSoFar() - before).as("trial %d", trial).isLessThan(FEW_MB);
        }
        assertThat(refused).isGreaterThan(390);
    }

    @Test
    void externalDataBesideTheContainerIsNeverRead() throws Exception {
        // issue 17: unpack followed a symbolic link beside a container
        Path secret = Files.writeString(dir.resolve("secret.txt"), "root:x:0:0:root:/root:/bin/bash\n");
        Path folder = Files.createDirectories(dir.resolve("shared"));
        Files.createSymbolicLink(folder.resolve("link.bin"), secret);
        ContainerBytes c = parsed();
        ModelProto.Builder b = c.skeleton.toBuilder();
        int i = indexOf(c.skeleton, "b2");
        b.getGraphBuilder().setInitializer(i, b.getGraph().getInitializer(i).toBuilder().clearRawData()
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("link.bin"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("32")));
        c.skeleton = b.build();
        Path container = Files.write(folder.resolve("m.nncj"), c.toBytes());
        assertThat(refusal(container)).isEqualTo(container + ": is corrupt: tensor b2 names external data \"link.bin\"; "
                + "a container holds all of its data and nothing beside it is read");
    }

    @Test
    void theBudgetSaysWhichLimitBinds() {
        Path file = Path.of("x.nncj");
        DecodeBudget heap = new DecodeBudget(file, 100_000, 5_000_000, 10_000_000);
        heap.claim(2_000_000, () -> "its ONNX graph takes 2,000,000 bytes");
        assertThatThrownBy(() -> heap.claim(4_000_000, () -> "tensor w declares 1,000,000 elements of float32 (4,000,000 bytes)"))
                .hasMessage("x.nncj: cannot unpack: tensor w declares 1,000,000 elements of float32 (4,000,000 bytes), "
                        + "past the 3,000,000 bytes the JVM has free (its heap limit, -Xmx, is 10,000,000 bytes)");

        DecodeBudget ratio = new DecodeBudget(file, 100_000, Long.MAX_VALUE, Long.MAX_VALUE);
        ratio.claim(25_600_000, () -> "everything");
        assertThatThrownBy(() -> ratio.claim(1, () -> "one more byte")).hasMessage("x.nncj: is corrupt or a decompression bomb: "
                + "one more byte, past the 25,600,000 bytes a container of 100,000 bytes may decode to (256 times its size, at least 1 MiB)");

        DecodeBudget big = new DecodeBudget(file, 1L << 30, Long.MAX_VALUE, Long.MAX_VALUE);
        assertThat(big.arrayLimit()).isEqualTo(DecodeBudget.MAX_ARRAY);
        assertThat(big.refusal(DecodeBudget.MAX_ARRAY + 1L, "its ONNX graph keeps inflating"))
                .hasMessage("x.nncj: is corrupt: its ONNX graph keeps inflating, more than one Java array holds (2 GB)");
    }
}
