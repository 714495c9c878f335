package dev.nncj.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import dev.nncj.NncjException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed tensors and graphs in {@link TinyModels#linearRelu()} (w: float32 [4, 3], 48 bytes of
 * raw data): each is one line naming the file and the tensor or value, never a Java exception.
 */
class MalformedModelTest {
    @TempDir
    Path dir;

    @Test
    void impossibleShapesAreRefusedBeforeAnythingIsAllocated() throws IOException {
        assertW(w -> w.toBuilder().clearDims().addDims(-1).addDims(3).build(), "negative dimension in shape [-1, 3]");
        assertW(w -> w.toBuilder().clearDims().addDims(1L << 40).addDims(1L << 40).build(),
                "shape [1099511627776, 1099511627776] has more elements than a 64-bit count holds");
        assertW(w -> w.toBuilder().clearDims().addDims(1L << 32).addDims(3).build(), "is too large; NNCJ holds at most");
        // 2^28 floats would be a 1 GB buffer: the empty field is counted first, nothing is allocated
        assertW(w -> w.toBuilder().clearRawData().clearDims().addDims(1L << 28).build(),
                "0 values, but its float32 shape [268435456] needs 268435456");
    }

    @Test
    void dataOfTheWrongSizeIsRefused() throws IOException {
        assertW(w -> w.toBuilder().setRawData(w.getRawData().substring(0, 44)).build(),
                "44 bytes of raw data, but its float32 shape [4, 3] needs 48");
        assertW(w -> w.toBuilder().setRawData(w.getRawData().concat(ByteString.copyFrom(new byte[4]))).build(),
                "52 bytes of raw data, but its float32 shape [4, 3] needs 48");
        assertW(w -> w.toBuilder().clearRawData().addAllFloatData(java.util.Collections.nCopies(11, 1f)).build(),
                "11 values, but its float32 shape [4, 3] needs 12");
        assertW(w -> w.toBuilder().clearRawData().setDataType(DataType.INT64.code()).addAllInt64Data(java.util.Collections.nCopies(13, 1L)).build(),
                "13 values, but its int64 shape [4, 3] needs 12");
    }

    @Test
    void unknownTypesAreRefused() throws IOException {
        assertW(w -> w.toBuilder().setDataType(99).build(), "unknown data type 99");
        assertW(w -> w.toBuilder().setDataType(0).build(), "unknown data type 0");
        ModelProto.Builder m = proto().toBuilder();
        m.getGraphBuilder().setInput(0, m.getGraph().getInput(0).toBuilder().setType(tensorType(77)));
        assertThatThrownBy(() -> OnnxFiles.load(ExternalModels.write(dir, m.build())))
                .isInstanceOf(NncjException.class).hasMessage(dir.resolve("model.onnx") + ": value x is of unknown data type 77");
    }

    @Test
    void aMalformedTensorInANodeAttributeIsRefusedAtLoad() throws IOException {
        ModelProto.Builder m = proto().toBuilder();
        TensorProto shortConstant = TensorProtos.toProto(Tensor.ofFloats("c", new long[] {2}, 1f, 2f)).toBuilder()
                .setRawData(ByteString.copyFrom(new byte[3])).build();
        m.getGraphBuilder().addNode(NodeProto.newBuilder().setName("k").setOpType("Constant").addOutput("c")
                .addAttribute(AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                        .setT(shortConstant)));
        assertThatThrownBy(() -> OnnxFiles.load(ExternalModels.write(dir, m.build())))
                .isInstanceOf(NncjException.class)
                .hasMessage(dir.resolve("model.onnx") + ": tensor c: 3 bytes of raw data, but its float32 shape [2] needs 8");
    }

    @Test
    void aMalformedSparseInitializerIsRefusedAtLoad() throws IOException {
        ModelProto.Builder m = proto().toBuilder();
        m.getGraphBuilder().addSparseInitializer(ai.onnx.proto.OnnxMl.SparseTensorProto.newBuilder().addDims(4)
                .setValues(TensorProto.newBuilder().setName("sp").setDataType(DataType.FLOAT.code()).addDims(2)
                        .setRawData(ByteString.copyFrom(new byte[3])))
                .setIndices(TensorProtos.toProto(Tensor.ofLongs("", new long[] {2}, 0, 3))));
        assertThatThrownBy(() -> OnnxFiles.load(ExternalModels.write(dir, m.build())))
                .isInstanceOf(NncjException.class)
                .hasMessage(dir.resolve("model.onnx") + ": tensor sp: 3 bytes of raw data, but its float32 shape [2] needs 8");
    }

    @Test
    void controlCharactersFromTheFileAreEscapedInTheLine() throws IOException {
        Path model = ExternalModels.withExternalW(dir, "location", "w\u001b[2J\nb.bin");
        assertThatThrownBy(() -> OnnxFiles.load(model))
                .hasMessage(model + ": tensor w: external data file w\\u001b[2J\\u000ab.bin not found");
    }

    @Test
    void aDuplicatedInitializerIsRefusedNotLastWins() throws IOException {
        ModelProto.Builder m = proto().toBuilder();
        TensorProto w = m.getGraph().getInitializerList().stream().filter(t -> t.getName().equals("w")).findFirst().orElseThrow();
        m.getGraphBuilder().addInitializer(w.toBuilder().setRawData(ByteString.copyFrom(new byte[48])));
        assertThatThrownBy(() -> OnnxFiles.load(ExternalModels.write(dir, m.build())))
                .isInstanceOf(NncjException.class)
                .hasMessage(dir.resolve("model.onnx") + ": initializer w appears more than once; ONNX names each value once");
    }

    @Test
    void anInitializerAndAGraphInputOfAnotherTypeAreRefused() throws IOException {
        ModelProto.Builder m = proto().toBuilder();
        m.getGraphBuilder().addInput(ValueInfoProto.newBuilder().setName("w").setType(tensorType(DataType.INT64.code())));
        assertThatThrownBy(() -> OnnxFiles.load(ExternalModels.write(dir, m.build())))
                .isInstanceOf(NncjException.class)
                .hasMessage(dir.resolve("model.onnx") + ": initializer w is float32 but the graph input of that name is int64");

        // IR < 4 style, same type: still a valid model
        ModelProto.Builder same = proto().toBuilder();
        same.getGraphBuilder().addInput(ValueInfoProto.newBuilder().setName("w").setType(tensorType(DataType.FLOAT.code())));
        assertThat(OnnxFiles.load(ExternalModels.write(dir, same.build())).graph().initializer("w")).isPresent();
    }

    private ModelProto proto() {
        return OnnxFiles.toProto(TinyModels.linearRelu(), TensorProtos::toProto);
    }

    private static TypeProto tensorType(int code) {
        return TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(code)).build();
    }

    private void assertW(UnaryOperator<TensorProto> edit, String reason) throws IOException {
        Path model = ExternalModels.withW(dir, edit);
        assertThatThrownBy(() -> OnnxFiles.load(model))
                .isInstanceOf(NncjException.class)
                .hasMessageStartingWith(model + ": tensor w: ")
                .hasMessageContaining(reason)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
