package dev.nncj.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {
    @TempDir
    Path dir;

    @Test
    void aSelfContainedModelIsItsFileSize() throws Exception {
        Path model = TinyOnnx.write(dir, "encoder.onnx", TinyOnnx.encoder());
        assertThat(ModelFiles.externalDataLocations(model)).isEmpty();
        assertThat(ModelFiles.totalBytes(model)).isEqualTo(Files.size(model));
    }

    @Test
    void externalDataFilesAreCountedOnceEachIncludingSubgraphs() throws Exception {
        // main graph: W1 and W2 both in weights.bin; an If node's then-branch keeps W3 in sub/branch.bin.
        //   W1, W2 ──▶ weights.bin (100 bytes)      If.then_branch: W3 ──▶ sub/branch.bin (30 bytes)
        GraphProto thenBranch = GraphProto.newBuilder().setName("then")
                .addInitializer(external("W3", "sub/branch.bin")).build();
        GraphProto graph = GraphProto.newBuilder().setName("g")
                .addInitializer(external("W1", "weights.bin"))
                .addInitializer(external("W2", "weights.bin"))
                .addNode(NodeProto.newBuilder().setOpType("If").addInput("cond").addOutput("y")
                        .addAttribute(AttributeProto.newBuilder().setName("then_branch")
                                .setType(AttributeProto.AttributeType.GRAPH).setG(thenBranch)))
                .build();
        Path model = TinyOnnx.write(dir, "external.onnx",
                ModelProto.newBuilder().setIrVersion(TinyOnnx.IR_VERSION).setGraph(graph).build());
        Files.write(dir.resolve("weights.bin"), new byte[100]);
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("sub/branch.bin"), new byte[30]);

        assertThat(ModelFiles.externalDataLocations(model)).containsExactlyInAnyOrder("weights.bin", "sub/branch.bin");
        assertThat(ModelFiles.totalBytes(model)).isEqualTo(Files.size(model) + 130);
    }

    private static TensorProto external(String name, String location) {
        return TensorProto.newBuilder().setName(name).setDataType(TinyOnnx.FLOAT).addDims(5)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("20"))
                .build();
    }
}
