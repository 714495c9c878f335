package dev.nncj.runtime;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.FunctionProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.SparseTensorProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TrainingInfoProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.nncj.NncjException;
import dev.nncj.onnx.ExternalData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The files an ONNX model is made of: the .onnx file plus the external-data files its tensors point to
 * (models over 2 GB, and many exports, keep weights beside the graph). Two uses: size, which is what a
 * compressed model is judged by (counting only the .onnx file would call a model with external
 * weights tiny), and the check that must pass before ONNX Runtime, which reads external data itself,
 * opens a user's file: every external tensor, wherever it sits (initializers, node attributes,
 * subgraphs, functions), goes through {@link ExternalData}, the same check NNCJ's own reader applies.
 *
 * <p>The file is scanned at the protobuf wire level rather than parsed into a {@link ModelProto},
 * skipping over tensor bytes, so checking and sizing a large model costs neither time nor heap.
 */
public final class ModelFiles {
    private static final int BUFFER = 1 << 16;
    /** As deep as {@code OnnxFiles} lets protobuf nest messages; deeper is a crafted file, not a model. */
    private static final int MAX_DEPTH = 1000;

    private ModelFiles() {}

    /** Bytes of {@code model} plus every distinct external-data file it references. */
    public static long totalBytes(Path model) {
        try {
            long total = Files.size(model);
            for (Path data : externalDataFiles(model)) {
                total += Files.size(data);
            }
            return total;
        } catch (IOException e) {
            throw NncjException.inFile(model, "cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * The external-data files of {@code model}, each once, after {@link ExternalData} has checked every
     * external tensor: inside the model's folder, no symbolic link, a regular file, the tensor's range
     * inside it. ONNX Runtime may open {@code model} only after this.
     *
     * @throws NncjException one line naming the model and the tensor refused, or the model if it does not parse
     */
    public static Set<Path> externalDataFiles(Path model) {
        ExternalData externalData = ExternalData.beside(model);
        Set<Path> files = new LinkedHashSet<>();
        for (TensorProto header : externalTensors(model)) {
            files.add(externalData.check(header).file());
        }
        return files;
    }

    /** The "location" entries of external tensors, in file order, each once. */
    public static Set<String> externalDataLocations(Path model) {
        Set<String> locations = new LinkedHashSet<>();
        for (TensorProto header : externalTensors(model)) {
            for (StringStringEntryProto e : header.getExternalDataList()) {
                if (e.getKey().equals("location") && !e.getValue().isEmpty()) {
                    locations.add(e.getValue());
                }
            }
        }
        return locations;
    }

    /**
     * Every tensor of {@code model} whose data is external, as a header: name, type, dims and the
     * external_data entries, without values.
     */
    static List<TensorProto> externalTensors(Path model) {
        List<TensorProto> tensors = new ArrayList<>();
        try (InputStream stream = Files.newInputStream(model)) {
            CodedInputStream in = CodedInputStream.newInstance(stream, BUFFER);
            in.setSizeLimit(Integer.MAX_VALUE);
            scanMessage(in, Kind.MODEL, tensors, 0);
        } catch (InvalidProtocolBufferException e) {
            throw NncjException.inFile(model, "not a valid ONNX model: " + firstLine(e.getMessage()), e);
        } catch (IOException e) {
            throw NncjException.inFile(model, "cannot read: " + e.getMessage(), e);
        }
        return tensors;
    }

    /** The message types on the path from a model to its tensors. */
    private enum Kind { MODEL, TRAINING_INFO, FUNCTION, GRAPH, NODE, ATTRIBUTE, SPARSE_TENSOR }

    /** Reads fields until the current limit, descending into those that can lead to a tensor. */
    private static void scanMessage(CodedInputStream in, Kind kind, List<TensorProto> tensors, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new InvalidProtocolBufferException("messages nested more than " + MAX_DEPTH + " deep");
        }
        int tag;
        while ((tag = in.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            boolean delimited = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            if (delimited && isTensor(kind, field)) {
                int limit = in.pushLimit(in.readRawVarint32());
                TensorProto header = scanTensor(in);
                if (header.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
                    tensors.add(header);
                }
                in.popLimit(limit);
                continue;
            }
            Kind child = delimited ? child(kind, field) : null;
            if (child != null) {
                int limit = in.pushLimit(in.readRawVarint32());
                scanMessage(in, child, tensors, depth + 1);
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
    }

    /** A tensor's header fields; its values (raw_data and the typed fields) are skipped, not read. */
    private static TensorProto scanTensor(CodedInputStream in) throws IOException {
        TensorProto.Builder header = TensorProto.newBuilder();
        int tag;
        while ((tag = in.readTag()) != 0) {
            int wireType = WireFormat.getTagWireType(tag);
            boolean delimited = wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            boolean varint = wireType == WireFormat.WIRETYPE_VARINT;
            switch (WireFormat.getTagFieldNumber(tag)) {
                case TensorProto.DIMS_FIELD_NUMBER -> {
                    if (varint) {
                        header.addDims(in.readInt64());
                    } else if (delimited) { // packed
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (in.getBytesUntilLimit() > 0) {
                            header.addDims(in.readInt64());
                        }
                        in.popLimit(limit);
                    } else {
                        in.skipField(tag);
                    }
                }
                case TensorProto.DATA_TYPE_FIELD_NUMBER -> readOrSkip(in, tag, varint, () -> header.setDataType(in.readInt32()));
                case TensorProto.NAME_FIELD_NUMBER -> readOrSkip(in, tag, delimited, () -> header.setName(in.readString()));
                case TensorProto.DATA_LOCATION_FIELD_NUMBER -> readOrSkip(in, tag, varint, () -> {
                    // an unknown value leaves the field as it was, as protobuf's own parsers do for ONNX's proto2 enums
                    TensorProto.DataLocation location = TensorProto.DataLocation.forNumber(in.readEnum());
                    if (location != null) {
                        header.setDataLocation(location);
                    }
                });
                case TensorProto.EXTERNAL_DATA_FIELD_NUMBER -> readOrSkip(in, tag, delimited, () -> header.addExternalData(
                        in.readMessage(StringStringEntryProto.parser(), ExtensionRegistryLite.getEmptyRegistry())));
                default -> in.skipField(tag);
            }
        }
        return header.build();
    }

    private interface FieldReader {
        void read() throws IOException;
    }

    /** Reads the field if it has the wire type its number promises; protobuf skips it otherwise, and so do we. */
    private static void readOrSkip(CodedInputStream in, int tag, boolean expectedWireType, FieldReader reader) throws IOException {
        if (expectedWireType) {
            reader.read();
        } else {
            in.skipField(tag);
        }
    }

    private static boolean isTensor(Kind parent, int field) {
        return switch (parent) {
            case GRAPH -> field == GraphProto.INITIALIZER_FIELD_NUMBER;
            case ATTRIBUTE -> field == AttributeProto.T_FIELD_NUMBER || field == AttributeProto.TENSORS_FIELD_NUMBER;
            case SPARSE_TENSOR -> field == SparseTensorProto.VALUES_FIELD_NUMBER || field == SparseTensorProto.INDICES_FIELD_NUMBER;
            default -> false;
        };
    }

    private static Kind child(Kind parent, int field) {
        return switch (parent) {
            case MODEL -> switch (field) {
                case ModelProto.GRAPH_FIELD_NUMBER -> Kind.GRAPH;
                case ModelProto.TRAINING_INFO_FIELD_NUMBER -> Kind.TRAINING_INFO;
                case ModelProto.FUNCTIONS_FIELD_NUMBER -> Kind.FUNCTION;
                default -> null;
            };
            case TRAINING_INFO -> field == TrainingInfoProto.INITIALIZATION_FIELD_NUMBER
                    || field == TrainingInfoProto.ALGORITHM_FIELD_NUMBER ? Kind.GRAPH : null;
            case FUNCTION -> switch (field) {
                case FunctionProto.NODE_FIELD_NUMBER -> Kind.NODE;
                case FunctionProto.ATTRIBUTE_PROTO_FIELD_NUMBER -> Kind.ATTRIBUTE;
                default -> null;
            };
            case GRAPH -> switch (field) {
                case GraphProto.NODE_FIELD_NUMBER -> Kind.NODE;
                case GraphProto.SPARSE_INITIALIZER_FIELD_NUMBER -> Kind.SPARSE_TENSOR;
                default -> null;
            };
            case NODE -> field == NodeProto.ATTRIBUTE_FIELD_NUMBER ? Kind.ATTRIBUTE : null;
            case ATTRIBUTE -> switch (field) {
                case AttributeProto.G_FIELD_NUMBER, AttributeProto.GRAPHS_FIELD_NUMBER -> Kind.GRAPH;
                case AttributeProto.SPARSE_TENSOR_FIELD_NUMBER, AttributeProto.SPARSE_TENSORS_FIELD_NUMBER ->
                        Kind.SPARSE_TENSOR;
                default -> null;
            };
            case SPARSE_TENSOR -> null;
        };
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
