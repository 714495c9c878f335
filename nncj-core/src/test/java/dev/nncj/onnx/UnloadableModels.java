package dev.nncj.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Models NNCJ's reader accepts but ONNX Runtime refuses, one per way a graph can be wrong, all from
 * one float layer with a weight the compression commands work on:
 * <pre>
 * x[batch,64] ── MatMul(w[64,64]) ── mm ── Relu ── y[batch,64]
 * </pre>
 * Each is that model's protobuf with one thing broken, written as is (NNCJ itself would not write it).
 */
public enum UnloadableModels {
    /** Relu(y) feeds Add(mm, r) which produces y: y and r each need the other first. */
    CYCLE {
        @Override
        ModelProto breakIt(ModelProto base) {
            GraphProto.Builder g = base.getGraph().toBuilder().clearNode();
            g.addNode(node("matmul", "MatMul", "", "x", "w", "mm"));
            g.addNode(node("add", "Add", "", "mm", "r", "y"));
            g.addNode(node("relu", "Relu", "", "y", null, "r"));
            return base.toBuilder().setGraph(g).build();
        }
    },
    /** The Relu is replaced by an operator of a domain no runtime knows. */
    UNKNOWN_DOMAIN {
        @Override
        ModelProto breakIt(ModelProto base) {
            GraphProto.Builder g = base.getGraph().toBuilder().clearNode();
            g.addNode(node("matmul", "MatMul", "", "x", "w", "mm"));
            g.addNode(node("nope", "Nope", "com.example.unknown", "mm", null, "y"));
            return base.toBuilder().setGraph(g)
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.example.unknown").setVersion(1)).build();
        }
    },
    /** An IR version from the future. */
    IR_VERSION_999 {
        @Override
        ModelProto breakIt(ModelProto base) {
            return base.toBuilder().setIrVersion(999).build();
        }
    },
    /** An opset from the future. */
    OPSET_99 {
        @Override
        ModelProto breakIt(ModelProto base) {
            return base.toBuilder().setOpsetImport(0, OperatorSetIdProto.newBuilder().setDomain("").setVersion(99)).build();
        }
    },
    /** Add(mm, nowhere): no input, initializer or node makes "nowhere". */
    DANGLING_INPUT {
        @Override
        ModelProto breakIt(ModelProto base) {
            GraphProto.Builder g = base.getGraph().toBuilder().clearNode();
            g.addNode(node("matmul", "MatMul", "", "x", "w", "mm"));
            g.addNode(node("add", "Add", "", "mm", "nowhere", "y"));
            return base.toBuilder().setGraph(g).build();
        }
    };

    abstract ModelProto breakIt(ModelProto base);

    /** The broken model's protobuf. */
    public ModelProto proto() {
        return breakIt(OnnxFiles.toProto(base(), TensorProtos::toProto));
    }

    /** Writes the broken model to {@code file} and returns it. */
    public Path write(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            proto().writeTo(out);
        }
        return file;
    }

    private static OnnxModel base() {
        GraphBuilder b = new GraphBuilder("float_layer", 17);
        String x = b.input("x", DataType.FLOAT, "batch", 64);
        float[] w = new float[64 * 64];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i * 0.37);
        }
        String weight = b.initializer(Tensor.ofFloats("w", new long[] {64, 64}, w));
        b.output(b.op("Relu", b.op("MatMul", x, weight)), "y", DataType.FLOAT, "batch", 64);
        return b.build();
    }

    private static NodeProto node(String name, String op, String domain, String a, String b, String out) {
        NodeProto.Builder n = NodeProto.newBuilder().setName(name).setOpType(op).setDomain(domain).addInput(a).addOutput(out);
        if (b != null) {
            n.addInput(b);
        }
        return n.build();
    }
}
