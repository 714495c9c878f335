package dev.nncj.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import org.junit.jupiter.api.Test;

/** The ONNX classes are generated from the pinned src/main/proto/onnx-ml.proto (ONNX v1.22.0). */
class OnnxProtoClassesTest {

    @Test
    void theGeneratedClassesKnowTheFourBitAndE8M0FloatTypesThatTribuosCopyLacked() {
        assertThat(TensorProto.DataType.FLOAT4E2M1.getNumber()).isEqualTo(23);
        assertThat(TensorProto.DataType.FLOAT8E8M0.getNumber()).isEqualTo(24);
        assertThat(TensorProto.DataType.forNumber(23)).isEqualTo(TensorProto.DataType.FLOAT4E2M1);
    }

    @Test
    void everyElementTypeOfOurOwnEnumHasTheSameNameAndCodeInThePinnedProto() {
        for (DataType type : DataType.values()) {
            assertThat(TensorProto.DataType.forNumber(type.code()))
                    .as("code %d", type.code())
                    .isNotNull()
                    .extracting(Enum::name)
                    .isEqualTo(type.name());
        }
    }

    @Test
    void aFloat4InitializerSurvivesTheWireAsItsNamedType() throws InvalidProtocolBufferException {
        TensorProto packed = TensorProto.newBuilder()
                .setName("w")
                .setDataType(TensorProto.DataType.FLOAT4E2M1_VALUE)
                .addDims(4)
                .setRawData(ByteString.copyFrom(new byte[] {0x21, 0x43}))
                .build();

        TensorProto back = TensorProto.parseFrom(packed.toByteArray());

        assertThat(TensorProto.DataType.forNumber(back.getDataType())).isEqualTo(TensorProto.DataType.FLOAT4E2M1);
        assertThat(DataType.fromCode(back.getDataType())).isEqualTo(DataType.FLOAT4E2M1);
    }

    @Test
    void theClassesComeFromThePinnedFileWithTheFullRuntimesDescriptors() {
        // a lite build (the official file's optimize_for) would have no descriptors at all
        assertThat(OnnxMl.getDescriptor().getName()).isEqualTo("onnx-ml.proto");
        assertThat(OnnxMl.getDescriptor().getPackage()).isEqualTo("onnx");
        assertThat(TensorProto.DataType.getDescriptor().findValueByName("FLOAT8E8M0")).isNotNull();
    }
}
