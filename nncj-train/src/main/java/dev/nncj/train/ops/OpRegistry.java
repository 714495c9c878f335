package dev.nncj.train.ops;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The ops the executor runs, by ONNX op type (default domain). Each op group (elementwise,
 * activations, matmul, shape, reductions, normalization, conv/pool) registers its own entries, so
 * adding an op touches one small class.
 */
public final class OpRegistry {
    private final Map<String, OpDefinition> definitions = new TreeMap<>();

    /** The registry with every op group NNCJ ships. */
    public static OpRegistry standard() {
        OpRegistry r = new OpRegistry();
        ElementwiseOps.register(r);
        ActivationOps.register(r);
        MatMulOps.register(r);
        ShapeOps.register(r);
        LayoutOps.register(r);
        ReductionOps.register(r);
        NormalizationOps.register(r);
        ConvPoolOps.register(r);
        QuantizationOps.register(r);
        MovementOps.register(r);
        return r;
    }

    public OpRegistry put(String opType, OpKernel kernel) {
        return put(new OpDefinition(opType, kernel, Set.of(), OpDefinition.AttributeCheck.NONE));
    }

    public OpRegistry put(String opType, OpKernel kernel, Set<Integer> staticInputs) {
        return put(new OpDefinition(opType, kernel, staticInputs, OpDefinition.AttributeCheck.NONE));
    }

    public OpRegistry put(OpDefinition definition) {
        if (definitions.putIfAbsent(definition.opType(), definition) != null) {
            throw new IllegalStateException("op " + definition.opType() + " registered twice");
        }
        return this;
    }

    public Optional<OpDefinition> get(String opType) {
        return Optional.ofNullable(definitions.get(opType));
    }

    public Set<String> opTypes() {
        return Collections.unmodifiableSet(definitions.keySet());
    }
}
