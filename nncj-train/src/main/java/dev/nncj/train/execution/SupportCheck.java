package dev.nncj.train.execution;

import dev.nncj.NncjException;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Domains;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.train.ops.OpDefinition;
import dev.nncj.train.ops.OpRegistry;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Walks a graph before anything runs and lists every node the executor cannot run (unknown op
 * type, other domain, unsupported attribute variant) in one error, so a model that cannot be
 * trained fails in a second rather than after data loading, and names all its problems at once.
 */
public final class SupportCheck {
    /** Element types TensorArrays converts; 4-bit, float8 and string tensors have no PyTorch type. */
    private static final Set<DataType> TRAINABLE_TYPES = EnumSet.of(DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16,
            DataType.BFLOAT16, DataType.INT64, DataType.INT32, DataType.INT16, DataType.INT8, DataType.UINT8, DataType.BOOL);

    private SupportCheck() {}

    /**
     * One line per unsupported node ("OpType (node NAME): reason") or initializer of a type PyTorch
     * lacks; empty when everything is supported.
     */
    public static List<String> problems(OnnxModel model, OpRegistry registry) {
        long opset = model.opset();
        List<String> problems = new ArrayList<>();
        for (Node node : model.graph().nodes()) {
            String domain = node.domain();
            if (!domain.isEmpty() && !domain.equals("ai.onnx") && !domain.equals(Domains.TRAINING)) {
                problems.add(node.opType() + " (node " + node.name() + "): domain " + domain + " is not supported");
                continue;
            }
            Optional<OpDefinition> def = registry.get(node.opType());
            if (def.isEmpty()) {
                problems.add(node.opType() + " (node " + node.name() + "): no kernel for this op");
                continue;
            }
            def.get().check().problem(node, opset)
                    .ifPresent(p -> problems.add(node.opType() + " (node " + node.name() + "): " + p));
        }
        for (Tensor t : model.graph().initializers().values()) {
            if (!TRAINABLE_TYPES.contains(t.type())) {
                problems.add("initializer " + t.name() + ": element type " + t.type().displayName()
                        + " has no PyTorch equivalent");
            }
        }
        return problems;
    }

    /** Throws one NncjException naming the file and every unsupported node. */
    public static void require(OnnxModel model, OpRegistry registry) {
        List<String> problems = problems(model, registry);
        if (!problems.isEmpty()) {
            throw new NncjException(describe(model) + ": cannot be executed for training ("
                    + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "): "
                    + String.join("; ", problems));
        }
    }

    public static String describe(OnnxModel model) {
        return model.source().map(Object::toString).orElse("graph " + model.graph().name());
    }
}
