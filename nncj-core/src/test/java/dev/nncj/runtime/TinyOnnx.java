package dev.nncj.runtime;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.ValueInfos;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Tiny ONNX models for the runtime tests, built with {@link GraphBuilder}, so the tests need no model
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
    static OnnxModel encoder() {
        GraphBuilder b = new GraphBuilder("tiny_encoder", OPSET);
        String ids = b.input("input_ids", DataType.INT64, "batch", "seq");
        String mask = b.input("attention_mask", DataType.INT64, "batch", "seq");
        String types = b.input("token_type_ids", DataType.INT64, "batch", "seq");
        String words = b.initializer(randomFloats("word_emb", 42, VOCAB, HIDDEN));
        String typeTable = b.initializer(randomFloats("type_emb", 43, 2, HIDDEN));
        String axes = b.initializer(Tensor.ofLongs("unsqueeze_axes", new long[] {1}, -1));
        String ht = b.op("Add", b.op("Gather", words, ids), b.op("Gather", typeTable, types));
        String maskF = b.node("Cast", mask).set("to", (long) DataType.FLOAT.code()).output(0);
        String masked = b.op("Mul", ht, b.op("Unsqueeze", maskF, axes));
        Node pooled = b.node("ReduceMean", masked).set("axes", new long[] {1}).set("keepdims", 0L);
        b.output(pooled.output(0), "pooled", DataType.FLOAT, "batch", HIDDEN);
        return b.build();
    }

    /**
     * A float linear layer whose input has an unnamed dynamic dimension and a named one:
     * <pre>
     * x[?,n,16] ──MatMul(W 16x{@code outputs})──▶ y[?,n,outputs]
     * </pre>
     */
    static OnnxModel matMul(int outputs) {
        GraphBuilder b = new GraphBuilder("tiny_matmul", OPSET);
        String x = b.input("x", DataType.FLOAT, null, "n", 16);
        String w = b.initializer(randomFloats("W", 7, 16, outputs));
        b.output(b.op("MatMul", x, w), "y", DataType.FLOAT, null, "n", outputs);
        return b.build();
    }

    /**
     * One Identity per input, so any input signature can be given to the synthesizer and read back:
     * <pre>
     * in_k ──Identity──▶ out_k
     * </pre>
     */
    static OnnxModel identities(ValueInfoProto... inputs) {
        GraphBuilder b = new GraphBuilder("tiny_identities", OPSET);
        for (int k = 0; k < inputs.length; k++) {
            ValueInfoProto in = inputs[k];
            b.graph().addInput(in);
            String out = "out_" + k;
            b.graph().addNode(Node.of("identity_" + k, "Identity", List.of(in.getName()), List.of(out)));
            b.graph().addOutput(in.toBuilder().setName(out).build());
        }
        return b.build();
    }

    /**
     * A graph whose only node is an operator no ONNX Runtime has:
     * <pre>
     * x[1,4] ──com.example::Nope──▶ y[1,4]
     * </pre>
     */
    static OnnxModel unknownOp() {
        GraphBuilder b = new GraphBuilder("tiny_unknown", OPSET).opset("com.example", 1);
        String x = b.input("x", DataType.FLOAT, 1, 4);
        b.output(b.node("com.example", "Nope", 1, x).output(0), "y", DataType.FLOAT, 1, 4);
        return b.build();
    }

    static Path write(Path dir, String fileName, OnnxModel model) {
        Path file = dir.resolve(fileName);
        OnnxFiles.save(model, file);
        return file;
    }

    /** Writes a hand-built protobuf as is, for tests of files NNCJ itself would not write. */
    static Path write(Path dir, String fileName, ModelProto model) throws IOException {
        Path file = dir.resolve(fileName);
        try (OutputStream out = Files.newOutputStream(file)) {
            model.writeTo(out);
        }
        return file;
    }

    /** A tensor value-info; each dim is a number (fixed), a String (named dynamic) or null (unnamed dynamic). */
    static ValueInfoProto tensor(String name, int elemType, Object... dims) {
        return ValueInfos.tensor(name, DataType.fromCode(elemType), dims);
    }

    /** A float initializer with seeded normal(0, 0.1) values. */
    private static Tensor randomFloats(String name, long seed, int... dims) {
        SplittableRandom random = new SplittableRandom(seed);
        long[] shape = java.util.Arrays.stream(dims).asLongStream().toArray();
        float[] values = new float[java.util.Arrays.stream(dims).reduce(1, (x, y) -> x * y)];
        for (int i = 0; i < values.length; i++) {
            // Box-Muller; SplittableRandom has no nextGaussian in Java 17.
            double u = 1.0 - random.nextDouble();
            values[i] = (float) (0.1 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return Tensor.ofFloats(name, shape, values);
    }
}
