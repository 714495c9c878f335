package dev.nncj.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.TensorProto;
import org.junit.jupiter.api.Test;

class TensorTest {
    private static final long[] FOUR = {4};

    @Test
    void float16RoundTripsExactlyRepresentableValuesAndRoundsToNearestEven() {
        float[] exact = {0f, -0f, 1f, -2.5f, 65504f, 0x1p-24f, 0x1p-14f};
        Tensor t = Tensor.encodeFloats("h", DataType.FLOAT16, new long[] {7}, exact);
        assertThat(t.byteSize()).isEqualTo(14);
        assertThat(t.toFloats()).containsExactly(exact);
        // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties go to the even mantissa, 1
        assertThat(Float16.halfToFloat(Float16.floatToHalf(1 + 0x1p-11f))).isEqualTo(1f);
        assertThat(Float16.halfToFloat(Float16.floatToHalf(70000f))).isInfinite();
        assertThat(Float16.halfToFloat(Float16.floatToHalf(Float.NaN))).isNaN();
    }

    @Test
    void bfloat16KeepsTheFloatExponentRange() {
        Tensor t = Tensor.encodeFloats("b", DataType.BFLOAT16, FOUR, new float[] {1e30f, -3f, 0.1f, 1f});
        float[] back = t.toFloats();
        assertThat(back[0]).isCloseTo(1e30f, org.assertj.core.data.Percentage.withPercentage(1));
        assertThat(back[1]).isEqualTo(-3f);
        assertThat(back[2]).isCloseTo(0.1f, org.assertj.core.data.Offset.offset(0.001f));
    }

    @Test
    void float8FormatsDecodeTheirLimitsAndSaturate() {
        assertThat(MiniFloat.E4M3FN.maxFinite()).isEqualTo(448f);
        assertThat(MiniFloat.E5M2.maxFinite()).isEqualTo(57344f);
        assertThat(MiniFloat.E4M3FNUZ.maxFinite()).isEqualTo(240f);
        assertThat(MiniFloat.E5M2FNUZ.maxFinite()).isEqualTo(57344f);
        assertThat(MiniFloat.E2M1.maxFinite()).isEqualTo(6f);
        // smallest e4m3fn subnormal is 2^-9; 1000 saturates to 448; NaN is 0x7f
        Tensor t = Tensor.encodeFloats("f8", DataType.FLOAT8E4M3FN, FOUR, new float[] {0x1p-9f, 1000f, -1.125f, Float.NaN});
        float[] back = t.toFloats();
        assertThat(back[0]).isEqualTo(0x1p-9f);
        assertThat(back[1]).isEqualTo(448f);
        assertThat(back[2]).isEqualTo(-1.125f);
        assertThat(back[3]).isNaN();
        assertThat(t.rawData().get(3) & 0x7f).isEqualTo(0x7f);
        // e5m2 keeps infinity; e4m3fn has none and saturates it
        assertThat(MiniFloat.E5M2.decode(MiniFloat.E5M2.encode(Float.POSITIVE_INFINITY))).isInfinite();
        assertThat(MiniFloat.E4M3FN.decode(MiniFloat.E4M3FN.encode(Float.NEGATIVE_INFINITY))).isEqualTo(-448f);
        // 1.0625 is halfway between e4m3 neighbours 1.0 (even code) and 1.125: ties to even
        assertThat(MiniFloat.E4M3FN.decode(MiniFloat.E4M3FN.encode(1.0625f))).isEqualTo(1f);
    }

    @Test
    void everyFloat8CodeRoundTripsThroughEncode() {
        for (MiniFloat format : MiniFloat.values()) {
            int codes = format == MiniFloat.E2M1 ? 16 : 256;
            for (int code = 0; code < codes; code++) {
                float v = format.decode(code);
                if (!Float.isNaN(v)) {
                    assertThat(format.decode(format.encode(v))).as(format + " code " + code).isEqualTo(v);
                }
            }
        }
    }

    @Test
    void fourBitIntegersPackTwoPerByteLowNibbleFirst() {
        Tensor t = Tensor.encodeLongs("q", DataType.INT4, new long[] {3}, new long[] {-8, 7, -1});
        assertThat(t.byteSize()).isEqualTo(2);
        assertThat(t.rawData().get(0) & 0xff).isEqualTo(0x78);
        assertThat(t.toLongs()).containsExactly(-8, 7, -1);
        Tensor u = Tensor.encodeLongs("u", DataType.UINT4, new long[] {2}, new long[] {15, 1});
        assertThat(u.toLongs()).containsExactly(15, 1);
        assertThatThrownBy(() -> Tensor.encodeLongs("bad", DataType.INT4, new long[] {1}, new long[] {8}))
                .hasMessageContaining("does not fit int4");
    }

    @Test
    void typedFieldEncodingsReadLikeRawData() {
        TensorProto floats = TensorProto.newBuilder().setName("f").setDataType(DataType.FLOAT.code())
                .addDims(2).addFloatData(1.5f).addFloatData(-2f).build();
        assertThat(TensorProtos.fromProto(floats).toFloats()).containsExactly(1.5f, -2f);

        TensorProto int8 = TensorProto.newBuilder().setName("i8").setDataType(DataType.INT8.code())
                .addDims(3).addInt32Data(-128).addInt32Data(0).addInt32Data(127).build();
        assertThat(TensorProtos.fromProto(int8).toLongs()).containsExactly(-128, 0, 127);

        TensorProto half = TensorProto.newBuilder().setName("h").setDataType(DataType.FLOAT16.code())
                .addDims(1).addInt32Data(Float16.floatToHalf(0.5f) & 0xffff).build();
        assertThat(TensorProtos.fromProto(half).toFloats()).containsExactly(0.5f);

        TensorProto longs = TensorProto.newBuilder().setName("l").setDataType(DataType.INT64.code())
                .addDims(2).addInt64Data(-7).addInt64Data(1L << 40).build();
        assertThat(TensorProtos.fromProto(longs).toLongs()).containsExactly(-7, 1L << 40);

        TensorProto int4 = TensorProto.newBuilder().setName("i4").setDataType(DataType.INT4.code())
                .addDims(2).addInt32Data(0xF1).build();
        assertThat(TensorProtos.fromProto(int4).toLongs()).containsExactly(1, -1);

        TensorProto e4m3 = TensorProto.newBuilder().setName("e").setDataType(DataType.FLOAT8E4M3FN.code())
                .addDims(1).addInt32Data(MiniFloat.E4M3FN.encode(3f)).build();
        assertThat(TensorProtos.fromProto(e4m3).toFloats()).containsExactly(3f);

        TensorProto doubles = TensorProto.newBuilder().setName("d").setDataType(DataType.DOUBLE.code())
                .addDims(1).addDoubleData(0.25).build();
        assertThat(TensorProtos.fromProto(doubles).toFloats()).containsExactly(0.25f);
    }

    @Test
    void rawProtoRoundTripKeepsTypeShapeAndBytes() {
        Tensor t = Tensor.encodeFloats("w", DataType.FLOAT8E5M2, new long[] {2, 2}, new float[] {1, 2, 3, 4});
        Tensor back = TensorProtos.fromProto(TensorProtos.toProto(t));
        assertThat(back.type()).isEqualTo(DataType.FLOAT8E5M2);
        assertThat(back.shape()).containsExactly(2, 2);
        assertThat(back.toFloats()).containsExactly(1, 2, 3, 4);
    }

    @Test
    void wrongElementCountIsRejected() {
        assertThatThrownBy(() -> Tensor.ofFloats("w", new long[] {2, 2}, 1f, 2f))
                .hasMessageContaining("needs 4 values");
    }
}
