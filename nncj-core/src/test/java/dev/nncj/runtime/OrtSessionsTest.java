package dev.nncj.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OrtSession;
import dev.nncj.NncjException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrtSessionsTest {
    @TempDir
    Path dir;

    @Test
    void opensATinyModelAndReportsItsInputs() throws Exception {
        Path model = TinyOnnx.write(dir, "encoder.onnx", TinyOnnx.encoder());
        try (OrtSession session = OrtSessions.open(model, RuntimeOptions.defaults())) {
            assertThat(session.getInputNames()).containsExactly("input_ids", "attention_mask", "token_type_ids");
        }
    }

    @Test
    void everyOptimizationLevelLoads() throws Exception {
        Path model = TinyOnnx.write(dir, "encoder.onnx", TinyOnnx.encoder());
        for (RuntimeOptions.Optimization level : RuntimeOptions.Optimization.values()) {
            RuntimeOptions options = RuntimeOptions.defaults().withOptimization(level)
                    .withExecution(RuntimeOptions.Execution.PARALLEL).withInterOpThreads(2);
            try (OrtSession session = OrtSessions.open(model, options)) {
                assertThat(session.getNumOutputs()).isEqualTo(1);
            }
        }
    }

    @Test
    void anOperatorOrtLacksIsOneLineNamingTheFile() throws Exception {
        Path model = TinyOnnx.write(dir, "nope.onnx", TinyOnnx.unknownOp());
        assertThatThrownBy(() -> OrtSessions.open(model, RuntimeOptions.defaults()))
                .isInstanceOf(NncjException.class)
                .hasMessageStartingWith(model + ": ONNX Runtime cannot run this model: ")
                .hasMessageContaining("Nope")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("Error code"));
    }

    @Test
    void aMissingFileSaysSo() {
        Path model = dir.resolve("absent.onnx");
        assertThatThrownBy(() -> OrtSessions.open(model, RuntimeOptions.defaults()))
                .isInstanceOf(NncjException.class)
                .hasMessage(model + ": file not found");
    }

    @Test
    void aFileThatIsNotOnnxSaysSo() throws Exception {
        Path model = Files.writeString(dir.resolve("text.onnx"), "this is not a protobuf\n\n\n");
        assertThatThrownBy(() -> OrtSessions.open(model, RuntimeOptions.defaults()))
                .isInstanceOf(NncjException.class)
                .hasMessageStartingWith(model + ": ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void externalDataIsCheckedBeforeOnnxRuntimeReadsIt() throws Exception {
        Path folder = dir.resolve("model");
        Path model = dev.nncj.onnx.ExternalModels.withWeightFile(folder);
        try (OrtSession session = OrtSessions.open(model, RuntimeOptions.defaults())) {
            assertThat(session.getInputNames()).containsExactly("x"); // a plain layout loads
        }
        Files.delete(folder.resolve("w.bin"));
        Files.createSymbolicLink(folder.resolve("w.bin"), dev.nncj.onnx.ExternalModels.secret(dir.resolve("secret.bin")));
        assertThatThrownBy(() -> OrtSessions.open(model, RuntimeOptions.defaults()))
                .isInstanceOf(NncjException.class)
                .hasMessage(model + ": tensor w: external data w.bin is a symbolic link; NNCJ reads only files inside the model's folder");
    }

    @Test
    void externalTensorsOnlyOnnxRuntimeReadsAreCheckedToo() throws Exception {
        // a Constant node's value in an If node's then-branch: NNCJ's reader never decodes it, ONNX Runtime would
        //   If(cond).then_branch: Constant(value = c ──▶ c.bin, a link out of the folder)
        Path folder = Files.createDirectories(dir.resolve("model"));
        TensorProto c = TensorProto.newBuilder().setName("c").setDataType(TinyOnnx.FLOAT).addDims(12)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("c.bin")).build();
        GraphProto thenBranch = GraphProto.newBuilder().setName("then").addNode(NodeProto.newBuilder().setOpType("Constant")
                .addOutput("y").addAttribute(AttributeProto.newBuilder().setName("value")
                        .setType(AttributeProto.AttributeType.TENSOR).setT(c))).build();
        GraphProto graph = GraphProto.newBuilder().setName("g")
                .addNode(NodeProto.newBuilder().setOpType("If").addInput("cond").addOutput("y")
                        .addAttribute(AttributeProto.newBuilder().setName("then_branch")
                                .setType(AttributeProto.AttributeType.GRAPH).setG(thenBranch)))
                .build();
        Path model = TinyOnnx.write(folder, "model.onnx",
                ModelProto.newBuilder().setIrVersion(TinyOnnx.IR_VERSION).setGraph(graph).build());
        Files.createSymbolicLink(folder.resolve("c.bin"), dev.nncj.onnx.ExternalModels.secret(dir.resolve("secret.bin")));
        assertThatThrownBy(() -> OrtSessions.open(model, RuntimeOptions.defaults()))
                .isInstanceOf(NncjException.class)
                .hasMessageStartingWith(model + ": tensor c: external data c.bin is a symbolic link");
    }

    @Test
    void negativeThreadCountsAreRejected() {
        assertThatThrownBy(() -> RuntimeOptions.defaults().withIntraOpThreads(-1))
                .isInstanceOf(NncjException.class)
                .hasMessageContaining("intra-op threads");
    }

    @Test
    void reportsOrtVersion() {
        assertThat(OrtSessions.ortVersion()).startsWith("1.");
    }
}
