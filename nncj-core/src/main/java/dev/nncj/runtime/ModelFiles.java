package dev.nncj.runtime;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.SparseTensorProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.nncj.NncjException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The on-disk size of an ONNX model: the .onnx file plus the external-data files its tensors point
 * to (models over 2 GB, and many exports, keep weights beside the graph). Size is what a compressed
 * model is judged by, and counting only the .onnx file would call a model with external weights tiny.
 *
 * <p>The file is scanned at the protobuf wire level rather than parsed into a {@link ModelProto},
 * skipping over tensor bytes, so sizing a large model costs neither time nor heap.
 */
public final class ModelFiles {
    private static final int BUFFER = 1 << 16;

    private ModelFiles() {}

    /** Bytes of {@code model} plus every distinct external-data file it references that exists. */
    public static long totalBytes(Path model) {
        try {
            long total = Files.size(model);
            Path dir = model.toAbsolutePath().getParent();
            for (String location : externalDataLocations(model)) {
                Path data = dir.resolve(location).normalize();
                if (Files.isRegularFile(data)) {
                    total += Files.size(data);
                }
            }
            return total;
        } catch (IOException e) {
            throw NncjException.inFile(model, "cannot read: " + e.getMessage(), e);
        }
    }

    /** The "location" entries of external tensors, in file order, each once. */
    public static Set<String> externalDataLocations(Path model) throws IOException {
        Set<String> locations = new LinkedHashSet<>();
        try (InputStream stream = Files.newInputStream(model)) {
            CodedInputStream in = CodedInputStream.newInstance(stream, BUFFER);
            in.setSizeLimit(Integer.MAX_VALUE);
            scanMessage(in, Kind.MODEL, locations);
        }
        return locations;
    }

    /** The message types on the path from a model to its tensors' external_data entries. */
    private enum Kind { MODEL, GRAPH, NODE, ATTRIBUTE, TENSOR, SPARSE_TENSOR, ENTRY }

    /** Reads fields until the current limit, descending into those that can lead to a tensor. */
    private static void scanMessage(CodedInputStream in, Kind kind, Set<String> locations) throws IOException {
        String key = null;
        String value = null;
        int tag;
        while ((tag = in.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            boolean delimited = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            Kind child = delimited ? child(kind, field) : null;
            if (child != null) {
                int limit = in.pushLimit(in.readRawVarint32());
                scanMessage(in, child, locations);
                in.popLimit(limit);
            } else if (kind == Kind.ENTRY && delimited && field == StringStringEntryProto.KEY_FIELD_NUMBER) {
                key = in.readString();
            } else if (kind == Kind.ENTRY && delimited && field == StringStringEntryProto.VALUE_FIELD_NUMBER) {
                value = in.readString();
            } else {
                in.skipField(tag);
            }
        }
        if (kind == Kind.ENTRY && "location".equals(key) && value != null && !value.isEmpty()) {
            locations.add(value);
        }
    }

    private static Kind child(Kind parent, int field) {
        return switch (parent) {
            case MODEL -> field == ModelProto.GRAPH_FIELD_NUMBER ? Kind.GRAPH : null;
            case GRAPH -> switch (field) {
                case GraphProto.NODE_FIELD_NUMBER -> Kind.NODE;
                case GraphProto.INITIALIZER_FIELD_NUMBER -> Kind.TENSOR;
                case GraphProto.SPARSE_INITIALIZER_FIELD_NUMBER -> Kind.SPARSE_TENSOR;
                default -> null;
            };
            case NODE -> field == NodeProto.ATTRIBUTE_FIELD_NUMBER ? Kind.ATTRIBUTE : null;
            case ATTRIBUTE -> switch (field) {
                case AttributeProto.T_FIELD_NUMBER, AttributeProto.TENSORS_FIELD_NUMBER -> Kind.TENSOR;
                case AttributeProto.G_FIELD_NUMBER, AttributeProto.GRAPHS_FIELD_NUMBER -> Kind.GRAPH;
                case AttributeProto.SPARSE_TENSOR_FIELD_NUMBER, AttributeProto.SPARSE_TENSORS_FIELD_NUMBER ->
                        Kind.SPARSE_TENSOR;
                default -> null;
            };
            case SPARSE_TENSOR -> field == SparseTensorProto.VALUES_FIELD_NUMBER
                    || field == SparseTensorProto.INDICES_FIELD_NUMBER ? Kind.TENSOR : null;
            case TENSOR -> field == TensorProto.EXTERNAL_DATA_FIELD_NUMBER ? Kind.ENTRY : null;
            case ENTRY -> null;
        };
    }
}
