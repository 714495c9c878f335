package dev.nncj.train.ops;

import dev.nncj.onnx.Node;
import java.util.Optional;
import java.util.Set;

/**
 * A registry entry: the kernel of one ONNX op type, which of its inputs are static (shapes, axes,
 * indices, running statistics: never given gradients, read as plain values), and a check of the
 * attributes the kernel cannot honour, run before any execution so that an unsupported variant is
 * reported up front rather than in the middle of training.
 */
public record OpDefinition(String opType, OpKernel kernel, Set<Integer> staticInputs, AttributeCheck check) {

    /** Why a node's attributes (at the model's opset) are beyond the kernel; empty when fine. */
    @FunctionalInterface
    public interface AttributeCheck {
        Optional<String> problem(Node node, long opset);

        AttributeCheck NONE = (node, opset) -> Optional.empty();
    }

    public OpDefinition {
        staticInputs = Set.copyOf(staticInputs);
    }

    /** Whether gradients may flow into input {@code index}. */
    public boolean differentiable(int index) {
        return !staticInputs.contains(index);
    }
}
