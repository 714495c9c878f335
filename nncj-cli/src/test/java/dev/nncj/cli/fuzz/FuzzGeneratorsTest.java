package dev.nncj.cli.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generators do what their descriptions claim, and a case regenerates alone from kind and seed. */
class FuzzGeneratorsTest {
    @TempDir
    Path dir;

    @Test
    void everyKindRegeneratesByteForByteFromItsSeed() throws IOException {
        for (String kind : FuzzKinds.ALL.keySet()) {
            for (long seed : new long[] {1, 2}) {
                Path cases = dir.resolve("cases");
                Path outside = dir.resolve("outside");
                FuzzCase first = FuzzKinds.generate(0, kind, seed, cases, outside);
                FolderSnapshot files = FolderSnapshot.of(dir);
                deleteAll(dir);
                FuzzCase again = FuzzKinds.generate(0, kind, seed, cases, outside);
                assertThat(FolderSnapshot.of(dir)).as(kind + ":" + seed).isEqualTo(files);
                assertThat(again).as(kind + ":" + seed).isEqualTo(first);
                assertThat(files.entries()).as(kind + ":" + seed + " writes its input").containsKey(
                        "cases/c0000/" + (kind.contains("nncj") || first.description().startsWith("container") ? "model.nncj" : "model.onnx"));
                deleteAll(dir);
            }
        }
    }

    @Test
    void aSampleCoversEveryKindAndGivesEachCaseItsOwnSeed() {
        List<String> kinds = List.copyOf(FuzzKinds.ALL.keySet());
        List<FuzzCase> sample = FuzzKinds.sample(kinds.size(), 17, kinds, dir.resolve("cases"), dir.resolve("outside"));
        assertThat(sample).extracting(FuzzCase::kind).containsExactlyElementsOf(kinds);
        assertThat(sample).extracting(FuzzCase::seed).doesNotHaveDuplicates();
    }

    @Test
    void theZlibBombInflatesToExactlyWhatItClaims() throws Exception {
        byte[] prefix = {1, 2, 3};
        byte[] suffix = "graph".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        long zeros = (3L << 20) + 5;
        byte[] bomb = ContainerBytes.zlibBomb(prefix, zeros, suffix);
        assertThat(bomb.length).isLessThan(8 * 1024);
        Inflater inflater = new Inflater();
        inflater.setInput(bomb);
        byte[] out = new byte[(int) zeros + 64];
        int n = 0;
        while (!inflater.finished()) {
            n += inflater.inflate(out, n, out.length - n); // a wrong Adler-32 throws DataFormatException here
        }
        inflater.end();
        assertThat(n).isEqualTo(prefix.length + zeros + suffix.length);
        assertThat(Arrays.copyOf(out, 3)).isEqualTo(prefix);
        assertThat(Arrays.copyOfRange(out, 3, 3 + (int) zeros)).containsOnly((byte) 0);
        assertThat(Arrays.copyOfRange(out, n - suffix.length, n)).isEqualTo(suffix);
    }

    @Test
    void nestedGraphsAreAValidProtobufThatNestsAsDeepAsAsked() throws IOException {
        GraphProto g = parse(NestedGraphs.model(300), 1000).getGraph(); // 3 messages a level: 900 deep
        int depth = 0;
        while (g.getNodeCount() > 0) {
            g = g.getNode(0).getAttribute(0).getG();
            depth++;
        }
        assertThat(depth).isEqualTo(300);
        assertThat(g.getName()).isEqualTo("leaf");
        assertThatThrownBy(() -> parse(NestedGraphs.model(1_001), 1000)).isInstanceOf(InvalidProtocolBufferException.class)
                .hasMessageContaining("too many levels of nesting");
    }

    private static ModelProto parse(byte[] bytes, int recursionLimit) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        in.setRecursionLimit(recursionLimit);
        return ModelProto.parseFrom(in);
    }

    @Test
    void theContainerLayoutNamesEveryByteOfARealContainer() {
        byte[] file = ContainerCases.baseContainer();
        List<ContainerBytes.Field> layout = ContainerBytes.layout(file);
        assertThat(layout.stream().mapToInt(ContainerBytes.Field::length).sum()).isEqualTo(file.length);
        assertThat(layout).extracting(ContainerBytes.Field::name).startsWith("magic", "version", "flags", "skeleton length",
                "skeleton", "count").endsWith("tensor 2 crc", "trailer");
        assertThat(ContainerBytes.inflatedSkeleton(file, layout, 1 << 20)).isNotNull();
    }

    @Test
    void onlyAModelThatPassesNncjsFirstCheckIsBorderline() {
        byte[] valid = BaseModel.MATMUL.proto().toByteArray();
        assertThat(Expectation.byParse(valid)).isEqualTo(Expectation.MAY_SUCCEED);
        assertThat(Expectation.byParse(Arrays.copyOf(valid, valid.length - 3))).isEqualTo(Expectation.REJECT);
        assertThat(Expectation.byParse(BaseModel.MATMUL.proto().toBuilder().setIrVersion(0).build().toByteArray()))
                .isEqualTo(Expectation.REJECT);
    }

    private static void deleteAll(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (!p.equals(root)) {
                    Files.delete(p);
                }
            }
        }
    }
}
