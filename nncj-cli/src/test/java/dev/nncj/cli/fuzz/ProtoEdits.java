package dev.nncj.cli.fuzz;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Reads and edits ModelProtos for the mutations; nothing here goes through the code under test. */
final class ProtoEdits {
    private ProtoEdits() {}

    /**
     * Whether {@code bytes} would pass nncj's own first check (OnnxFiles.readProto: a ModelProto with a
     * graph, an opset import and a positive IR version). A mutated file that does is borderline: it may
     * still be a valid model, so the case cannot demand a refusal.
     */
    static boolean parsesAsModel(byte[] bytes) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setSizeLimit(Integer.MAX_VALUE);
            in.setRecursionLimit(1000);
            ModelProto m = ModelProto.parseFrom(in);
            return m.hasGraph() && m.getOpsetImportCount() > 0 && m.getIrVersion() > 0;
        } catch (InvalidProtocolBufferException e) {
            return false;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Indices of initializers some node reads (mutating an unused one may change nothing). */
    static List<Integer> usedInitializers(GraphProto g) {
        List<Integer> used = new ArrayList<>();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            String name = g.getInitializer(i).getName();
            if (g.getNodeList().stream().anyMatch(n -> n.getInputList().contains(name))) {
                used.add(i);
            }
        }
        return used;
    }

    /** Used float initializers stored as raw_data with at least {@code minElements} values. */
    static List<Integer> floatInitializers(GraphProto g, int minElements) {
        return usedInitializers(g).stream().filter(i -> {
            TensorProto t = g.getInitializer(i);
            return t.getDataType() == TensorProto.DataType.FLOAT_VALUE && t.getRawData().size() >= 4L * minElements;
        }).toList();
    }

    /**
     * The initializers every compression method acts on: MatMul and Gemm weights and, with
     * {@code tables} (the classifier's commands pass --include-embeddings), Gather tables. A
     * non-finite value there must be refused.
     */
    static List<Integer> methodWeights(GraphProto g, boolean tables) {
        List<Integer> weights = new ArrayList<>();
        for (int i : floatInitializers(g, 8)) {
            String name = g.getInitializer(i).getName();
            for (NodeProto n : g.getNodeList()) {
                boolean weight = (n.getOpType().equals("MatMul") || n.getOpType().equals("Gemm"))
                        && n.getInputCount() > 1 && n.getInput(1).equals(name);
                boolean table = tables && n.getOpType().equals("Gather") && n.getInput(0).equals(name);
                if ((weight || table) && !weights.contains(i)) {
                    weights.add(i);
                }
            }
        }
        return weights;
    }

    static float getFloat(TensorProto t, int element) {
        return t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getFloat(element * 4);
    }

    static TensorProto withFloat(TensorProto t, int element, float value) {
        byte[] raw = t.getRawData().toByteArray();
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).putFloat(element * 4, value);
        return t.toBuilder().setRawData(ByteString.copyFrom(raw)).build();
    }

    static long elements(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return n;
    }

    /** The tensor with its bytes moved to an external file: location, offset and length as given (null: key left out). */
    static TensorProto external(TensorProto t, String location, String offset, String length) {
        TensorProto.Builder b = t.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL);
        if (location != null) {
            b.addExternalData(entry("location", location));
        }
        if (offset != null) {
            b.addExternalData(entry("offset", offset));
        }
        if (length != null) {
            b.addExternalData(entry("length", length));
        }
        return b.build();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    static <T> T pick(SplittableRandom r, List<T> items) {
        return items.get(r.nextInt(items.size()));
    }

    @SafeVarargs
    static <T> T pick(SplittableRandom r, T... items) {
        return items[r.nextInt(items.length)];
    }
}
