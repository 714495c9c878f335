package dev.nncj.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.SparseTensorProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.NncjException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Refuses, before a graph is decoded, what ONNX forbids and a reader would otherwise settle silently
 * or fail on later without naming the file: two initializers of one name (the last would win), an
 * initializer whose graph input of that name (IR < 4 lists both) declares another element type, a
 * value of an unknown element type, a node without outputs.
 */
final class GraphProtoCheck {
    private GraphProtoCheck() {}

    /** @throws NncjException "FILE: problem", one line */
    static void check(GraphProto p, Path file) {
        for (NodeProto n : p.getNodeList()) {
            if (n.getOutputCount() == 0) {
                throw NncjException.inFile(file, NncjException.printable("node " + n.getName() + " (" + n.getOpType() + ") has no outputs"));
            }
        }
        Map<String, Integer> initializerTypes = new HashMap<>();
        for (TensorProto t : p.getInitializerList()) {
            if (initializerTypes.put(t.getName(), t.getDataType()) != null) {
                throw duplicate(file, t.getName());
            }
        }
        for (SparseTensorProto sparse : p.getSparseInitializerList()) {
            if (initializerTypes.put(sparse.getValues().getName(), sparse.getValues().getDataType()) != null) {
                throw duplicate(file, sparse.getValues().getName());
            }
        }
        for (List<ValueInfoProto> values : List.of(p.getInputList(), p.getOutputList(), p.getValueInfoList())) {
            for (ValueInfoProto v : values) {
                int code = elementType(v);
                if (code != 0 && !DataType.isKnown(code)) {
                    throw NncjException.inFile(file, NncjException.printable("value " + v.getName() + " is of unknown data type " + code));
                }
            }
        }
        for (ValueInfoProto input : p.getInputList()) {
            Integer initializer = initializerTypes.get(input.getName());
            int declared = elementType(input);
            if (initializer != null && declared != 0 && declared != initializer) {
                throw NncjException.inFile(file, NncjException.printable("initializer " + input.getName() + " is "
                        + name(initializer) + " but the graph input of that name is " + name(declared)));
            }
        }
    }

    /** The tensor element type code, 0 when the value is not a tensor or untyped. */
    private static int elementType(ValueInfoProto v) {
        return v.getType().hasTensorType() ? v.getType().getTensorType().getElemType() : 0;
    }

    private static String name(int code) {
        return DataType.isKnown(code) ? DataType.fromCode(code).displayName() : "of unknown data type " + code;
    }

    private static NncjException duplicate(Path file, String name) {
        return NncjException.inFile(file, NncjException.printable("initializer " + name
                + " appears more than once; ONNX names each value once"));
    }
}
