package dev.nncj.onnx;

import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.ArrayList;
import java.util.List;

/** Builds and describes ValueInfoProto (the typed, shaped names of graph inputs and outputs). */
public final class ValueInfos {
    private ValueInfos() {}

    /**
     * A tensor value. Each dim is a number (fixed), a String (symbolic, e.g. "batch") or null
     * (unknown).
     */
    public static ValueInfoProto tensor(String name, DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Number n) {
                dim.setDimValue(n.longValue());
            } else if (d instanceof String s) {
                dim.setDimParam(s);
            }
            shape.addDim(dim);
        }
        TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder().setElemType(type.code()).setShape(shape);
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(t)).build();
    }

    /** The element type of a tensor value, or null when the value is not a tensor or untyped. */
    public static DataType elementType(ValueInfoProto v) {
        if (!v.getType().hasTensorType() || v.getType().getTensorType().getElemType() == 0) {
            return null;
        }
        return DataType.fromCode(v.getType().getTensorType().getElemType());
    }

    /** Dims as strings: a number, a symbolic name, or "?" when unknown; null when rank is unknown. */
    public static List<String> dims(ValueInfoProto v) {
        if (!v.getType().hasTensorType() || !v.getType().getTensorType().hasShape()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (TensorShapeProto.Dimension d : v.getType().getTensorType().getShape().getDimList()) {
            out.add(d.hasDimValue() ? Long.toString(d.getDimValue()) : d.hasDimParam() ? d.getDimParam() : "?");
        }
        return out;
    }

    /** E.g. "float32[batch_size, sequence_length, 384]". */
    public static String describe(ValueInfoProto v) {
        DataType t = elementType(v);
        List<String> dims = dims(v);
        String type = t == null ? (v.getType().hasTensorType() ? "tensor" : v.getType().getValueCase().name().toLowerCase())
                : t.displayName();
        return type + (dims == null ? "[?]" : dims.toString());
    }
}
