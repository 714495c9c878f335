package dev.nncj.runtime;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Tiny ONNX models built in tests with the ONNX protobuf builders, so the runtime tests need no model
 * files and each graph is drawn next to the code that makes it.
 */
final class TinyOnnx {
    static final int OPSET = 17;
    static final int IR_VERSION = 8;
    static final int VOCAB = 1000;
    static final int HIDDEN = 8;

    static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    static final int INT64 = TensorProto.DataType.INT64_VALUE;
    static final int INT32 = TensorProto.DataType.INT32_VALUE;
    static final int BOOL = TensorProto.DataType.BOOL_VALUE;
    static final int STRING = TensorProto.DataType.STRING_VALUE;
    static final int FLOAT16 = TensorProto.DataType.FLOAT16_VALUE;

    private TinyOnnx() {}

    /**
     * A bag-of-embeddings encoder with BERT's three inputs:
     * <pre>
     * input_ids[batch,seq] ──Gather(word_emb 1000x8)──▶ h[batch,seq,8] ─┐
     * token_type_ids[batch,seq] ──Gather(type_emb 2x8)──▶ t ───────────Add──▶ ht ─┐
     * attention_mask[batch,seq] ──Cast(float)──Unsqueeze(-1)──▶ m[batch,seq,1] ──Mul──▶ ReduceMean(axis 1)
     *                                                                          ──▶ pooled[batch,8]
     * </pre>
     * The type embedding has two rows, so a token_type id other than 0 or 1 fails at run time.
     */
    static ModelProto encoder() {
        GraphProto graph = GraphProto.newBuilder()
                .setName("tiny_encoder")
                .addInput(tensor("input_ids", INT64, "batch", "seq"))
                .addInput(tensor("attention_mask", INT64, "batch", "seq"))
                .addInput(tensor("token_type_ids", INT64, "batch", "seq"))
                .addInitializer(floats("word_emb", 42, VOCAB, HIDDEN))
                .addInitializer(floats("type_emb", 43, 2, HIDDEN))
                .addInitializer(longs("unsqueeze_axes", new long[] {-1}, 1))
                .addNode(node("Gather", List.of("word_emb", "input_ids"), "h"))
                .addNode(node("Gather", List.of("type_emb", "token_type_ids"), "t"))
                .addNode(node("Add", List.of("h", "t"), "ht"))
                .addNode(node("Cast", List.of("attention_mask"), "mask_f").toBuilder()
                        .addAttribute(intAttr("to", FLOAT)).build())
                .addNode(node("Unsqueeze", List.of("mask_f", "unsqueeze_axes"), "m"))
                .addNode(node("Mul", List.of("ht", "m"), "masked"))
                .addNode(node("ReduceMean", List.of("masked"), "pooled").toBuilder()
                        .addAttribute(intsAttr("axes", 1))
                        .addAttribute(intAttr("keepdims", 0)).build())
                .addOutput(tensor("pooled", FLOAT, "batch", HIDDEN))
                .build();
        return model(graph);
    }

    /**
     * A float linear layer whose input has an unnamed dynamic dimension and a named one:
     * <pre>
     * x[?,n,16] ──MatMul(W 16x{@code outputs})──▶ y[?,n,outputs]
     * </pre>
     */
    static ModelProto matMul(int outputs) {
        GraphProto graph = GraphProto.newBuilder()
                .setName("tiny_matmul")
                .addInput(tensor("x", FLOAT, null, "n", 16))
                .addInitializer(floats("W", 7, 16, outputs))
                .addNode(node("MatMul", List.of("x", "W"), "y"))
                .addOutput(tensor("y", FLOAT, null, "n", outputs))
                .build();
        return model(graph);
    }

    /**
     * One Identity per input, so any input signature can be given to the synthesizer and read back:
     * <pre>
     * in_k ──Identity──▶ out_k
     * </pre>
     */
    static ModelProto identities(ValueInfoProto... inputs) {
        GraphProto.Builder graph = GraphProto.newBuilder().setName("tiny_identities");
        for (int k = 0; k < inputs.length; k++) {
            ValueInfoProto in = inputs[k];
            String out = "out_" + k;
            graph.addInput(in)
                    .addNode(node("Identity", List.of(in.getName()), out))
                    .addOutput(in.toBuilder().setName(out).build());
        }
        return model(graph.build());
    }

    /**
     * A graph whose only node is an operator no ONNX Runtime has:
     * <pre>
     * x[1,4] ──com.example::Nope──▶ y[1,4]
     * </pre>
     */
    static ModelProto unknownOp() {
        GraphProto graph = GraphProto.newBuilder()
                .setName("tiny_unknown")
                .addInput(tensor("x", FLOAT, 1, 4))
                .addNode(node("Nope", List.of("x"), "y").toBuilder().setDomain("com.example").setName("nope_1"))
                .addOutput(tensor("y", FLOAT, 1, 4))
                .build();
        return model(graph).toBuilder()
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.example").setVersion(1))
                .build();
    }

    static Path write(Path dir, String fileName, ModelProto model) throws IOException {
        Path file = dir.resolve(fileName);
        try (OutputStream out = Files.newOutputStream(file)) {
            model.writeTo(out);
        }
        return file;
    }

    /**
     * A tensor value-info. Each dim is an Integer (fixed size), a String (named dynamic dimension) or
     * null (dynamic with no name).
     */
    static ValueInfoProto tensor(String name, int elemType, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object dim : dims) {
            TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
            if (dim instanceof Integer size) {
                d.setDimValue(size);
            } else if (dim instanceof String param) {
                d.setDimParam(param);
            }
            shape.addDim(d);
        }
        TypeProto type = TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))
                .build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    private static ModelProto model(GraphProto graph) {
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("nncj-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph)
                .build();
    }

    private static NodeProto node(String op, List<String> inputs, String output) {
        return NodeProto.newBuilder()
                .setOpType(op)
                .setName(op + "_" + output)
                .addAllInput(inputs)
                .addOutput(output)
                .build();
    }

    /** A float initializer with seeded normal(0, 0.1) values. */
    private static TensorProto floats(String name, long seed, long... dims) {
        SplittableRandom random = new SplittableRandom(seed);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(FLOAT);
        long count = 1;
        for (long d : dims) {
            t.addDims(d);
            count *= d;
        }
        for (long i = 0; i < count; i++) {
            t.addFloatData((float) (0.1 * gaussian(random)));
        }
        return t.build();
    }

    private static TensorProto longs(String name, long[] values, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(INT64);
        for (long d : dims) {
            t.addDims(d);
        }
        for (long v : values) {
            t.addInt64Data(v);
        }
        return t.build();
    }

    private static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static AttributeProto intsAttr(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller; SplittableRandom has no nextGaussian in Java 17.
        double u = 1.0 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
