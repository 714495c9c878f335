package dev.nncj.train.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Op-by-op forward equivalence with ONNX Runtime on tiny graphs. Tolerance 1e-5: both sides compute
 * in float32 and differ only in summation order (matmul, reductions) and transcendental
 * implementations, which on these magnitudes stay around 1e-6.
 */
class OpEquivalenceTest {
    private static final double TOLERANCE = 1e-5;
    private final Random random = new Random(42);

    private Tensor rand(String name, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return Tensor.ofFloats(name, shape, v);
    }

    private static void assertEquivalent(OnnxModel model, Map<String, Tensor> inputs) throws Exception {
        Map<String, Double> diffs = OrtReference.diffs(model, inputs);
        assertThat(diffs).allSatisfy((output, diff) -> assertThat(diff).as(output).isLessThanOrEqualTo(TOLERANCE));
    }

    /** x[2,3,4] op b[4] for each broadcasting binary op, and each unary op on x. */
    @Test
    void elementwiseOpsMatchWithBroadcasting() throws Exception {
        GraphBuilder b = new GraphBuilder("elementwise", 17);
        String x = b.input("x", DataType.FLOAT, 2, 3, 4);
        String w = b.initializer(rand("w", 4));
        int k = 0;
        for (String op : new String[] {"Add", "Sub", "Mul", "Div", "Max", "Min"}) {
            b.output(b.op(op, x, w), "out_b" + k++, DataType.FLOAT, 2, 3, 4);
        }
        String positive = b.op("Add", b.op("Abs", x), b.initializer(Tensor.ofFloats("one", new long[0], 1f)));
        b.output(b.op("Pow", positive, w), "out_pow", DataType.FLOAT, 2, 3, 4);
        b.output(b.op("Sqrt", positive), "out_sqrt", DataType.FLOAT, 2, 3, 4);
        b.output(b.op("Log", positive), "out_log", DataType.FLOAT, 2, 3, 4);
        b.output(b.op("Reciprocal", positive), "out_reciprocal", DataType.FLOAT, 2, 3, 4);
        for (String op : new String[] {"Erf", "Tanh", "Relu", "Sigmoid", "Neg", "Exp", "Identity"}) {
            b.output(b.op(op, x), "out_" + op.toLowerCase(), DataType.FLOAT, 2, 3, 4);
        }
        b.output(b.node("LeakyRelu", x).set("alpha", 0.2f).output(0), "out_leaky", DataType.FLOAT, 2, 3, 4);
        b.output(b.op("Dropout", x), "out_dropout", DataType.FLOAT, 2, 3, 4);
        assertEquivalent(b.build(), Map.of("x", rand("x", 2, 3, 4)));
    }

    /** MatMul [2,3,5,4]x[2,3,4,6], [2,5,4]x[4,3]; Gemm with transB, alpha, beta and a row bias. */
    @Test
    void matMulAndGemmMatch() throws Exception {
        GraphBuilder b = new GraphBuilder("matmul", 17);
        String a4 = b.input("a4", DataType.FLOAT, 2, 3, 5, 4);
        String b4 = b.input("b4", DataType.FLOAT, 2, 3, 4, 6);
        String a3 = b.input("a3", DataType.FLOAT, 2, 5, 4);
        String a2 = b.input("a2", DataType.FLOAT, 5, 4);
        b.output(b.op("MatMul", a4, b4), "out_batched", DataType.FLOAT, 2, 3, 5, 6);
        b.output(b.op("MatMul", a3, b.initializer(rand("w", 4, 3))), "out_projected", DataType.FLOAT, 2, 5, 3);
        Node gemm = b.node("Gemm", a2, b.initializer(rand("wt", 3, 4)), b.initializer(rand("bias", 3)))
                .set("transB", 1L).set("alpha", 0.5f).set("beta", 2f);
        b.output(gemm.output(0), "out_gemm", DataType.FLOAT, 5, 3);
        Node gemmA = b.node("Gemm", b.initializer(rand("at", 4, 5)), b.initializer(rand("w2", 4, 2))).set("transA", 1L);
        b.output(gemmA.output(0), "gemmA", DataType.FLOAT, 5, 2);
        assertEquivalent(b.build(), Map.of("a4", rand("a4", 2, 3, 5, 4), "b4", rand("b4", 2, 3, 4, 6),
                "a3", rand("a3", 2, 5, 4), "a2", rand("a2", 5, 4)));
    }

    /** Softmax/LogSoftmax at opset 11 (2-D coercion at axis 1 of a 3-D input) and 13 (one axis). */
    @Test
    void softmaxFollowsEachOpsetsAxisSemantics() throws Exception {
        for (long opset : new long[] {11, 13}) {
            GraphBuilder b = new GraphBuilder("softmax", opset);
            String x = b.input("x", DataType.FLOAT, 2, 3, 4);
            b.output(b.node("Softmax", x).set("axis", 1L).output(0), "out_s1", DataType.FLOAT, 2, 3, 4);
            b.output(b.node("LogSoftmax", x).set("axis", 1L).output(0), "out_l1", DataType.FLOAT, 2, 3, 4);
            b.output(b.op("Softmax", x), "out_sdefault", DataType.FLOAT, 2, 3, 4);
            b.output(b.node("Softmax", x).set("axis", -1L).output(0), "out_slast", DataType.FLOAT, 2, 3, 4);
            assertEquivalent(b.build(), Map.of("x", rand("x", 2, 3, 4)));
        }
    }

    /**
     * The attention head split of a BERT export, at opset 11 (Unsqueeze axes attribute) and 13
     * (axes input):
     * <pre>
     * x[b,s,8] ─ Shape ─ Gather(0), Gather(1) ─ Unsqueeze ─ Concat(.., [2], [4]) ─ Reshape(x) ─ Transpose(0,2,1,3)
     * </pre>
     */
    @Test
    void shapeArithmeticOfTheHeadSplitMatches() throws Exception {
        for (long opset : new long[] {11, 13}) {
            GraphBuilder b = new GraphBuilder("heads", opset);
            String x = b.input("x", DataType.FLOAT, "batch", "seq", 8);
            String shape = b.op("Shape", x);
            String zero = b.initializer(Tensor.scalar("zero", 0));
            String one = b.initializer(Tensor.scalar("one", 1));
            String[] dims = new String[2];
            for (int i = 0; i < 2; i++) {
                String g = b.op("Gather", shape, i == 0 ? zero : one);
                Node u;
                if (opset < 13) {
                    u = b.node("Unsqueeze", g).set("axes", new long[] {0});
                } else {
                    u = b.node("Unsqueeze", g, b.initializer(Tensor.ofLongs("axes" + i, new long[] {1}, 0)));
                }
                dims[i] = u.output(0);
            }
            String heads = b.initializer(Tensor.ofLongs("heads", new long[] {1}, 2));
            String size = b.initializer(Tensor.ofLongs("size", new long[] {1}, 4));
            String target = b.node("Concat", dims[0], dims[1], heads, size).set("axis", 0L).output(0);
            String reshaped = b.op("Reshape", x, target);
            Node t = b.node("Transpose", reshaped).set("perm", new long[] {0, 2, 1, 3});
            b.output(t.output(0), "out_y", DataType.FLOAT, "batch", 2, "seq", 4);
            b.output(b.op("Shape", x), "out_shape", DataType.INT64, 3);
            assertEquivalent(b.build(), Map.of("x", rand("x", 3, 5, 8)));
        }
    }

    /** Slice at opset 9 (attributes) and 13 (inputs: negative start, INT64_MAX end, negative step). */
    @Test
    void sliceMatchesAtBothSignatures() throws Exception {
        GraphBuilder old = new GraphBuilder("slice9", 9);
        String x9 = old.input("x", DataType.FLOAT, 4, 6);
        Node s9 = old.node("Slice", x9).set("starts", new long[] {1, -4}).set("ends", new long[] {Long.MAX_VALUE, -1})
                .set("axes", new long[] {0, 1});
        old.output(s9.output(0), "out_y", DataType.FLOAT, 3, 3);
        assertEquivalent(old.build(), Map.of("x", rand("x", 4, 6)));

        GraphBuilder b = new GraphBuilder("slice13", 13);
        String x = b.input("x", DataType.FLOAT, 4, 6, 5);
        String starts = b.initializer(Tensor.ofLongs("starts", new long[] {3}, -1, 0, 1));
        String ends = b.initializer(Tensor.ofLongs("ends", new long[] {3}, Long.MIN_VALUE, Long.MAX_VALUE, 4));
        String axes = b.initializer(Tensor.ofLongs("axes", new long[] {3}, 1, 2, 0));
        String steps = b.initializer(Tensor.ofLongs("steps", new long[] {3}, -2, 2, 1));
        b.output(b.op("Slice", x, starts, ends, axes, steps), "out_y", DataType.FLOAT, 3, 3, 3);
        String s2 = b.initializer(Tensor.ofLongs("s2", new long[] {1}, 2));
        String e2 = b.initializer(Tensor.ofLongs("e2", new long[] {1}, 100));
        b.output(b.op("Slice", x, s2, e2), "out_z", DataType.FLOAT, 2, 6, 5);
        assertEquivalent(b.build(), Map.of("x", rand("x", 4, 6, 5)));
    }

    /** ReduceMean with the axes attribute (opset 11) and input (18), ReduceSum at 13, keepdims both ways. */
    @Test
    void reductionsMatchAcrossOpsets() throws Exception {
        GraphBuilder b11 = new GraphBuilder("reduce11", 11);
        String x = b11.input("x", DataType.FLOAT, 2, 3, 4);
        b11.output(b11.node("ReduceMean", x).set("axes", new long[] {-1}).output(0), "out_m", DataType.FLOAT, 2, 3, 1);
        b11.output(b11.node("ReduceSum", x).set("axes", new long[] {0, 2}).set("keepdims", 0L).output(0),
                "s", DataType.FLOAT, 3);
        b11.output(b11.op("ReduceMean", x), "out_all", DataType.FLOAT, 1, 1, 1);
        assertEquivalent(b11.build(), Map.of("x", rand("x", 2, 3, 4)));

        GraphBuilder b18 = new GraphBuilder("reduce18", 18);
        String y = b18.input("x", DataType.FLOAT, 2, 3, 4);
        String axes = b18.initializer(Tensor.ofLongs("axes", new long[] {2}, 1, -1));
        b18.output(b18.op("ReduceMean", y, axes), "out_m", DataType.FLOAT, 2, 1, 1);
        b18.output(b18.node("ReduceSum", y, axes).set("keepdims", 0L).output(0), "out_s", DataType.FLOAT, 2);
        b18.output(b18.op("ReduceMax", y, axes), "out_mx", DataType.FLOAT, 2, 1, 1);
        assertEquivalent(b18.build(), Map.of("x", rand("x", 2, 3, 4)));
    }

    /** Expand, ConstantOfShape, Range, Equal/Where, Cast, Flatten, Squeeze, integer Div, Concat. */
    @Test
    void remainingShapeAndLogicOpsMatch() throws Exception {
        GraphBuilder b = new GraphBuilder("misc", 13);
        String x = b.input("x", DataType.FLOAT, 3, 1, 4);
        String ids = b.input("ids", DataType.INT64, 3, 4);
        b.output(b.op("Expand", x, b.initializer(Tensor.ofLongs("eshape", new long[] {4}, 2, 3, 5, 4))),
                "expanded", DataType.FLOAT, 2, 3, 5, 4);
        Node cos = b.node("ConstantOfShape", b.initializer(Tensor.ofLongs("cshape", new long[] {2}, 3, 4)))
                .set("value", Tensor.ofFloats("value", new long[] {1}, 2.5f));
        b.output(cos.output(0), "out_filled", DataType.FLOAT, 3, 4);
        String range = b.op("Range", b.initializer(Tensor.scalar("start", 1)),
                b.initializer(Tensor.scalar("limit", 10)), b.initializer(Tensor.scalar("delta", 3)));
        b.output(range, "out_range", DataType.INT64, 3);
        String mask = b.op("Equal", ids, b.initializer(Tensor.scalar("zero", 0)));
        String where = b.op("Where", mask, b.op("Squeeze", x, b.initializer(Tensor.ofLongs("sq", new long[] {1}, 1))),
                cos.output(0));
        b.output(where, "out_where", DataType.FLOAT, 3, 4);
        b.output(b.node("Cast", ids).set("to", (long) DataType.FLOAT.code()).output(0), "out_cast", DataType.FLOAT, 3, 4);
        b.output(b.node("Flatten", x).set("axis", 2L).output(0), "out_flat", DataType.FLOAT, 3, 4);
        b.output(b.op("Div", ids, b.initializer(Tensor.scalar("three", -3))), "out_idiv", DataType.INT64, 3, 4);
        b.output(b.node("Concat", x, x).set("axis", -2L).output(0), "out_cat", DataType.FLOAT, 3, 2, 4);
        b.output(b.op("Reshape", x, b.initializer(Tensor.ofLongs("r", new long[] {2}, 0, -1))),
                "reshaped", DataType.FLOAT, 3, 4);
        long[] idValues = {0, 5, -7, 0, 2, 0, 9, 11, 0, 1, -1, 4};
        assertEquivalent(b.build(), Map.of("x", rand("x", 3, 1, 4),
                "ids", Tensor.ofLongs("ids", new long[] {3, 4}, idValues)));
    }

    /** Gather as an embedding lookup (2-D ids, negative id), along axis 1, and with a scalar index. */
    @Test
    void gatherMatches() throws Exception {
        GraphBuilder b = new GraphBuilder("gather", 13);
        String ids = b.input("ids", DataType.INT64, 2, 3);
        String table = b.initializer(rand("table", 10, 4));
        b.output(b.op("Gather", table, ids), "out_emb", DataType.FLOAT, 2, 3, 4);
        String cols = b.input("cols", DataType.INT64, 2);
        b.output(b.node("Gather", table, cols).set("axis", 1L).output(0), "out_cols", DataType.FLOAT, 10, 2);
        b.output(b.op("Gather", table, b.initializer(Tensor.scalar("i", -2))), "out_row", DataType.FLOAT, 4);
        assertEquivalent(b.build(), Map.of("ids", Tensor.ofLongs("ids", new long[] {2, 3}, 1, 9, -1, 0, 3, 3),
                "cols", Tensor.ofLongs("cols", new long[] {2}, 3, -4)));
    }

    /** LayerNormalization (opset 17), BatchNormalization (inference) and Gelu both ways (opset 20). */
    @Test
    void normalizationAndGeluMatch() throws Exception {
        GraphBuilder b = new GraphBuilder("norm", 20);
        String x = b.input("x", DataType.FLOAT, 2, 3, 8);
        Node ln = b.node("LayerNormalization", x, b.initializer(rand("gamma", 8)), b.initializer(rand("beta", 8)))
                .set("epsilon", 1e-12f);
        b.output(ln.output(0), "out_ln", DataType.FLOAT, 2, 3, 8);
        Node ln2 = b.node("LayerNormalization", x, b.initializer(rand("gamma2", 3, 8))).set("axis", 1L);
        b.output(ln2.output(0), "out_ln2", DataType.FLOAT, 2, 3, 8);
        float[] var = {0.5f, 1.5f, 2f};
        Node bn = b.node("BatchNormalization", x, b.initializer(rand("scale", 3)), b.initializer(rand("bias", 3)),
                b.initializer(rand("mean", 3)), b.initializer(Tensor.ofFloats("var", new long[] {3}, var)));
        b.output(bn.output(0), "out_bn", DataType.FLOAT, 2, 3, 8);
        b.output(b.op("Gelu", x), "out_gelu", DataType.FLOAT, 2, 3, 8);
        b.output(b.node("Gelu", x).set("approximate", "tanh").output(0), "out_gelu_tanh", DataType.FLOAT, 2, 3, 8);
        assertEquivalent(b.build(), Map.of("x", rand("x", 2, 3, 8)));
    }

    /** Conv (asymmetric pads, stride, groups, dilation; SAME_UPPER with an even kernel), pooling, global pooling. */
    @Test
    void convolutionAndPoolingMatch() throws Exception {
        GraphBuilder b = new GraphBuilder("cnn", 17);
        String x = b.input("x", DataType.FLOAT, 2, 4, 9, 8);
        Node conv = b.node("Conv", x, b.initializer(rand("w", 6, 2, 3, 3)), b.initializer(rand("b", 6)))
                .set("pads", new long[] {1, 0, 2, 1}).set("strides", new long[] {2, 1}).set("group", 2L).set("dilations", new long[] {1, 2});
        b.output(conv.output(0), "out_conv", DataType.FLOAT, 2, 6, 5, 5);
        Node same = b.node("Conv", x, b.initializer(rand("w2", 3, 4, 3, 2)))
                .set("auto_pad", "SAME_UPPER").set("strides", new long[] {2, 2});
        b.output(same.output(0), "out_same", DataType.FLOAT, 2, 3, 5, 4);
        Node max = b.node("MaxPool", x).set("kernel_shape", new long[] {3, 3}).set("strides", new long[] {2, 2})
                .set("pads", new long[] {1, 1, 1, 1}).set("ceil_mode", 1L);
        b.output(max.output(0), "out_max", DataType.FLOAT, 2, 4, 5, 5);
        Node maxUneven = b.node("MaxPool", x).set("kernel_shape", new long[] {2, 2}).set("pads", new long[] {0, 0, 1, 1});
        b.output(maxUneven.output(0), "out_max_uneven", DataType.FLOAT, 2, 4, 9, 8);
        Node avg = b.node("AveragePool", x).set("kernel_shape", new long[] {2, 3}).set("strides", new long[] {2, 2})
                .set("pads", new long[] {1, 1, 1, 1});
        b.output(avg.output(0), "out_avg", DataType.FLOAT, 2, 4, 5, 4);
        Node avgIncl = b.node("AveragePool", x).set("kernel_shape", new long[] {3, 3})
                .set("pads", new long[] {1, 1, 1, 1}).set("count_include_pad", 1L);
        b.output(avgIncl.output(0), "out_avg_incl", DataType.FLOAT, 2, 4, 9, 8);
        b.output(b.op("GlobalAveragePool", x), "out_gap", DataType.FLOAT, 2, 4, 1, 1);
        b.output(b.op("GlobalMaxPool", x), "out_gmp", DataType.FLOAT, 2, 4, 1, 1);
        assertEquivalent(b.build(), Map.of("x", rand("x", 2, 4, 9, 8)));
    }

    /** Clip (attributes at opset 9, inputs at 13), Sum/Mean/Max of three, Split, Tile, Pad, ArgMax. */
    @Test
    void variadicSplitTilePadAndArgMaxMatch() throws Exception {
        GraphBuilder old = new GraphBuilder("clip9", 9);
        String x9 = old.input("x", DataType.FLOAT, 2, 3);
        old.output(old.node("Clip", x9).set("min", -0.5f).set("max", 0.7f).output(0), "out_clip", DataType.FLOAT, 2, 3);
        assertEquivalent(old.build(), Map.of("x", rand("x", 2, 3)));

        GraphBuilder b = new GraphBuilder("layout", 13);
        String x = b.input("x", DataType.FLOAT, 2, 6);
        String y = b.input("y", DataType.FLOAT, 6);
        b.output(b.op("Clip", x, b.initializer(Tensor.ofFloats("lo", new long[0], -0.3f)),
                b.initializer(Tensor.ofFloats("hi", new long[0], 0.4f))), "out_clip", DataType.FLOAT, 2, 6);
        b.output(b.op("Sum", x, y, x), "out_sum", DataType.FLOAT, 2, 6);
        b.output(b.op("Mean", x, y, y), "out_mean", DataType.FLOAT, 2, 6);
        b.output(b.op("Max", x, y, b.initializer(Tensor.ofFloats("z", new long[0], 0.1f))), "out_max", DataType.FLOAT, 2, 6);
        var split = b.node("", "Split", 3, x, b.initializer(Tensor.ofLongs("sizes", new long[] {3}, 1, 2, 3)));
        split.set("axis", 1L);
        for (int i = 0; i < 3; i++) {
            b.output(split.output(i), "out_split" + i, DataType.FLOAT, 2, i + 1);
        }
        var even = b.node("", "Split", 2, x);
        for (int i = 0; i < 2; i++) {
            b.output(even.output(i), "out_even" + i, DataType.FLOAT, 1, 6);
        }
        b.output(b.op("Tile", x, b.initializer(Tensor.ofLongs("reps", new long[] {2}, 2, 3))), "out_tile", DataType.FLOAT, 4, 18);
        b.output(b.op("Pad", x, b.initializer(Tensor.ofLongs("pads", new long[] {4}, 1, 0, 2, -1)),
                b.initializer(Tensor.ofFloats("v", new long[0], 9f))), "out_pad", DataType.FLOAT, 5, 5);
        b.output(b.node("ArgMax", x).set("axis", 1L).output(0), "out_argmax", DataType.INT64, 2, 1);
        b.output(b.node("ArgMax", x).set("axis", 0L).set("keepdims", 0L).output(0), "out_argmax0", DataType.INT64, 6);
        assertEquivalent(b.build(), Map.of("x", rand("x", 2, 6), "y", rand("y", 6)));
    }
}
