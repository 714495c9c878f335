package dev.nncj.train;

import dev.nncj.NncjException;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.train.ops.OpDefinition;
import dev.nncj.train.ops.OpRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Walks a graph before anything runs and lists every node the executor cannot run (unknown op
 * type, other domain, unsupported attribute variant) in one error, so a model that cannot be
 * trained fails in a second rather than after data loading, and names all its problems at once.
 */
public final class SupportCheck {
    private SupportCheck() {}

    /** One line per unsupported node: "OpType (node NAME): reason"; empty when all are supported. */
    public static List<String> problems(OnnxModel model, OpRegistry registry) {
        long opset = model.opset();
        List<String> problems = new ArrayList<>();
        for (Node node : model.graph().nodes()) {
            String domain = node.domain();
            if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
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
        return problems;
    }

    /** Throws one NncjException naming the file and every unsupported node. */
    public static void require(OnnxModel model, OpRegistry registry) {
        List<String> problems = problems(model, registry);
        if (!problems.isEmpty()) {
            throw new NncjException(describe(model) + ": " + problems.size() + " node"
                    + (problems.size() == 1 ? "" : "s") + " cannot be executed for training: "
                    + String.join("; ", problems));
        }
    }

    static String describe(OnnxModel model) {
        return model.source().map(Object::toString).orElse("graph " + model.graph().name());
    }
}
