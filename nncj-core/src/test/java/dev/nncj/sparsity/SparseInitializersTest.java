package dev.nncj.sparsity;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl.SparseTensorProto;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TensorProtos;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparseInitializersTest {
    @TempDir
    Path dir;

    @Test
    void roundTripIsBitIdenticalNegativeZeroIncluded() {
        float[] w = new float[200];
        w[3] = 1.5f;
        w[77] = -0.0f; // not +0.0: must survive
        w[150] = Float.MIN_VALUE;
        w[199] = -7f;
        Tensor t = Tensor.ofFloats("w", new long[] {10, 20}, w);
        SparseTensorProto sparse = SparseInitializers.encodeIfSmaller(t).orElseThrow();
        assertThat(sparse.getValues().getName()).isEqualTo("w");
        assertThat(sparse.getIndices().getDataType()).isEqualTo(DataType.INT16.code()); // 200 elements > int8
        assertThat(sparse.getValues().getDims(0)).isEqualTo(4);
        Tensor back = SparseInitializers.decode(sparse, dir);
        assertThat(back.shape()).containsExactly(10, 20);
        assertThat(back.rawData()).isEqualTo(t.rawData());
    }

    @Test
    void sparseInitializersStillCountAsParameters() {
        // unstructured sparsity zeroes weights but does not remove them: the parameter count keeps
        // the dense shape, 2x3 here, while only the two non-zeros are stored
        dev.nncj.onnx.Graph g = new dev.nncj.onnx.Graph("g");
        g.addInitializer(Tensor.ofFloats("dense", new long[] {4}, 1, 2, 3, 4));
        float[] w = new float[200];
        w[3] = 1f;
        w[150] = -2f;
        g.addSparseInitializer(SparseInitializers.encodeIfSmaller(Tensor.ofFloats("w", new long[] {10, 20}, w)).orElseThrow());
        assertThat(g.parameterCount()).isEqualTo(4 + 200);
    }

    @Test
    void aDenseTensorStaysDense() {
        // 200 elements, 140 non-zero: 140 * (4 + 2 bytes of int16 index) = 840 > 800 dense bytes
        float[] w = new float[200];
        for (int i = 0; i < 140; i++) {
            w[i] = i + 1;
        }
        assertThat(SparseInitializers.encodeIfSmaller(Tensor.ofFloats("w", new long[] {200}, w))).isEmpty();
        // 130 non-zero: 780 < 800, sparse pays (barely)
        w[130] = 0;
        w[131] = 0;
        for (int i = 132; i < 140; i++) {
            w[i] = 0;
        }
        assertThat(SparseInitializers.encodeIfSmaller(Tensor.ofFloats("w", new long[] {200}, w))).isPresent();
    }

    @Test
    void indexTypeIsTheSmallestThatHoldsEveryPosition() {
        assertThat(SparseInitializers.indexType(128)).isEqualTo(DataType.INT8);
        assertThat(SparseInitializers.indexType(129)).isEqualTo(DataType.INT16);
        assertThat(SparseInitializers.indexType(32_768)).isEqualTo(DataType.INT16);
        assertThat(SparseInitializers.indexType(32_769)).isEqualTo(DataType.INT32);
        assertThat(SparseInitializers.indexType(1L << 31)).isEqualTo(DataType.INT32);
        assertThat(SparseInitializers.indexType((1L << 31) + 1)).isEqualTo(DataType.INT64);
    }

    @Test
    void perAxisIndicesDecodeToo() {
        // [[0, 1], [2, 0]] in a 3x2 tensor: linear 1 and 4
        SparseTensorProto sparse = SparseTensorProto.newBuilder()
                .setValues(TensorProtos.toProto(Tensor.ofFloats("w", new long[] {2}, 5f, 6f)))
                .setIndices(TensorProtos.toProto(Tensor.ofLongs("", new long[] {2, 2}, 0, 1, 2, 0)))
                .addDims(3).addDims(2).build();
        assertThat(SparseInitializers.decode(sparse, dir).toFloats()).containsExactly(0, 5, 0, 0, 6, 0);
    }

    /**
     * What ONNX Runtime 1.23's CPU provider accepts, checked by running it: int8, int16, int32 and
     * int64 linear indices all load and give the dense result; this is why the encoder may pick the
     * narrowest one.
     */
    @Test
    void onnxRuntimeLoadsEverySignedIndexWidth() throws Exception {
        // x[1,4] ── MatMul(w[4,3]) ── y; w has 4 non-zeros at linear positions 1, 4, 10, 11
        float[] w = {0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 3, 4};
        float[] x = {1, 10, 100, 1000};
        float[] expected = {0, 1 + 20 + 3000, 4000};
        for (DataType indexType : List.of(DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64)) {
            GraphBuilder b = new GraphBuilder("probe", 17);
            String in = b.input("x", DataType.FLOAT, 1, 4);
            String weight = b.initializer(Tensor.ofFloats("w", new long[] {4, 3}, w));
            b.output(b.op("MatMul", in, weight), "y", DataType.FLOAT, 1, 3);
            OnnxModel model = b.build();
            model.graph().removeInitializer("w");
            model.graph().addSparseInitializer(SparseTensorProto.newBuilder()
                    .setValues(TensorProtos.toProto(Tensor.ofFloats("w", new long[] {4}, 1, 2, 3, 4)))
                    .setIndices(TensorProtos.toProto(Tensor.encodeLongs("", indexType, new long[] {4}, new long[] {1, 4, 10, 11})))
                    .addDims(4).addDims(3).build());
            Path file = dir.resolve(indexType.name() + ".onnx");
            OnnxFiles.save(model, file);
            assertThat(SparseModels.run(file, "x", new long[] {1, 4}, x)).as(indexType.name()).containsExactly(expected);
        }
    }
}
