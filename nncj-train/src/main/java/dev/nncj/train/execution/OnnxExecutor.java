package dev.nncj.train.execution;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.nncj.NncjException;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.train.ops.OpContext;
import dev.nncj.train.ops.OpDefinition;
import dev.nncj.train.ops.OpRegistry;
import dev.nncj.train.ops.TensorArrays;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs an ONNX graph on DJL's PyTorch engine, differentiably. Floating-point initializers that feed
 * a differentiable input become {@link Parameter}s (trainable unless frozen by name); other
 * initializers and Constant nodes become constants, created once. A forward pass executes the nodes
 * in their (topological) order with the kernels of an {@link OpRegistry}; run it inside a
 * {@link ai.djl.training.GradientCollector} and gradients reach the parameters.
 *
 * <p>Memory: parameters and constants live in the executor's manager until {@link #close()}. Every
 * array a forward pass creates is registered in an {@link NDScope} that closes when the pass ends,
 * except the requested outputs, which are moved to the caller's manager. Freeing the intermediate
 * handles does not break backward: PyTorch's autograd graph holds its own references to the tensors
 * it saved.
 */
public final class OnnxExecutor implements AutoCloseable {
    private final OnnxModel model;
    private final long opset;
    private final NDManager manager;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, NDArray> constants = new HashMap<>();
    private final List<Step> steps = new ArrayList<>();
    private final List<String> inputNames;
    private final List<String> outputNames;

    private record Step(Node node, OpDefinition definition) {}

    private OnnxExecutor(OnnxModel model, ExecutorOptions options, OpRegistry registry) {
        this.model = model;
        this.opset = model.opset();
        Graph graph = model.graph();
        this.inputNames = graph.inputs().stream().map(v -> v.getName()).toList();
        this.outputNames = graph.outputs().stream().map(v -> v.getName()).toList();
        this.manager = Engine.getEngine("PyTorch").newBaseManager();
        boolean ok = false;
        // Parameters and constants must outlive any NDScope the caller may have open.
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Set<String> differentiable = differentiableValues(graph, registry);
            for (Tensor t : graph.initializers().values()) {
                NDArray a = TensorArrays.toArray(manager, t);
                NDScope.unregister(a);
                a.setName(t.name());
                boolean floating = a.getDataType() == DataType.FLOAT32 || a.getDataType() == DataType.FLOAT64;
                if (floating && differentiable.contains(t.name())) {
                    boolean trainable = !options.isFrozen(t.name());
                    if (trainable) {
                        a.setRequiresGradient(true);
                    }
                    var group = options.groupOf(t.name());
                    parameters.put(t.name(), new Parameter(t.name(), a, trainable,
                            group.map(ExecutorOptions.ParameterGroup::learningRateScale).orElse(1.0),
                            group.map(ExecutorOptions.ParameterGroup::decays).orElse(true)));
                } else {
                    constants.put(t.name(), a);
                }
            }
            for (Node node : graph.nodes()) {
                OpDefinition def = registry.get(node.opType()).orElseThrow();
                if (node.is("Constant")) {
                    NDArray a = def.kernel().apply(new OpContext(node, opset, new NDArray[0], manager))[0];
                    NDScope.unregister(a);
                    constants.put(node.output(0), a);
                } else {
                    steps.add(new Step(node, def));
                }
            }
            ok = true;
        } finally {
            if (!ok) {
                manager.close();
            }
        }
    }

    /**
     * An executor for {@code model}; fails with one NncjException listing every node it cannot run
     * before any array is created.
     */
    public static OnnxExecutor create(OnnxModel model, ExecutorOptions options) {
        return create(model, options, options.ops());
    }

    public static OnnxExecutor create(OnnxModel model, ExecutorOptions options, OpRegistry registry) {
        SupportCheck.require(model, registry);
        return new OnnxExecutor(model, options, registry);
    }

    /** Values that reach a differentiable input of some node (initializers among them get gradients). */
    private static Set<String> differentiableValues(Graph graph, OpRegistry registry) {
        Set<String> out = new LinkedHashSet<>();
        for (Node node : graph.nodes()) {
            OpDefinition def = registry.get(node.opType()).orElseThrow();
            for (int i = 0; i < node.inputs().size(); i++) {
                if (def.differentiable(i) && !node.input(i).isEmpty()) {
                    out.add(node.input(i));
                }
            }
        }
        return out;
    }

    public OnnxModel model() {
        return model;
    }

    /** The manager parameters live in: arrays fed to {@link #forward} may be created under it. */
    public NDManager manager() {
        return manager;
    }

    public List<String> inputNames() {
        return inputNames;
    }

    public List<String> outputNames() {
        return outputNames;
    }

    /** Every parameter, trainable and frozen, in initializer order. */
    public Collection<Parameter> parameters() {
        return Collections.unmodifiableCollection(parameters.values());
    }

    public List<Parameter> trainableParameters() {
        return parameters.values().stream().filter(Parameter::trainable).toList();
    }

    /** The graph outputs, as arrays owned by {@code target}. */
    public Map<String, NDArray> forward(NDManager target, Map<String, NDArray> inputs) {
        return forward(target, inputs, List.of());
    }

    /**
     * The graph outputs with autograd off (evaluation): nothing is recorded for backward, on any
     * thread, even inside a gradient collector. PyTorch's grad mode is per thread and defaults to on
     * in threads DJL did not set up.
     */
    public Map<String, NDArray> infer(NDManager target, Map<String, NDArray> inputs) {
        return infer(target, inputs, List.of());
    }

    /** As {@link #infer(NDManager, Map)}, with the named intermediate {@code values} as well. */
    public Map<String, NDArray> infer(NDManager target, Map<String, NDArray> inputs, Collection<String> values) {
        boolean was = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        try {
            return forward(target, inputs, values);
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(was);
        }
    }

    /**
     * The graph outputs plus the named intermediate {@code values} (hidden states for distillation,
     * say), all owned by {@code target}; everything else the pass created is freed before returning.
     */
    public Map<String, NDArray> forward(NDManager target, Map<String, NDArray> inputs, Collection<String> values) {
        checkInputs(inputs);
        Map<String, NDArray> env = new HashMap<>(constants);
        parameters.forEach((name, p) -> env.put(name, p.array()));
        env.putAll(inputs);
        Set<NDArray> external = Collections.newSetFromMap(new IdentityHashMap<>());
        external.addAll(env.values());
        List<String> wanted = new ArrayList<>(outputNames);
        values.stream().filter(v -> !wanted.contains(v)).forEach(wanted::add);
        Map<String, NDArray> result = new LinkedHashMap<>();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (Step step : steps) {
                run(step, env, target);
            }
            for (String name : wanted) {
                NDArray a = env.get(name);
                if (a == null) {
                    throw new NncjException(SupportCheck.describe(model) + ": no value named " + name);
                }
                if (external.contains(a) || result.containsValue(a)) {
                    a = a.duplicate(); // never hand out (and so let the caller free) an input or a parameter
                }
                NDScope.unregister(a);
                a.attach(target);
                result.put(name, a);
            }
        }
        return result;
    }

    private void run(Step step, Map<String, NDArray> env, NDManager target) {
        Node node = step.node();
        NDArray[] in = new NDArray[node.inputs().size()];
        for (int i = 0; i < in.length; i++) {
            String name = node.input(i);
            if (!name.isEmpty()) {
                in[i] = env.get(name);
                if (in[i] == null) {
                    throw new NncjException(SupportCheck.describe(model) + ": node " + node.name()
                            + " (" + node.opType() + ") reads " + name + ", which nothing computed before it");
                }
            }
        }
        NDArray[] out;
        try {
            out = step.definition().kernel().apply(new OpContext(node, opset, in, target));
        } catch (NncjException e) {
            throw new NncjException(SupportCheck.describe(model) + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new NncjException(SupportCheck.describe(model) + ": node " + node.name() + " ("
                    + node.opType() + ") failed: " + e.getMessage(), e);
        }
        for (int i = 0; i < node.outputs().size() && i < out.length; i++) {
            if (!node.output(i).isEmpty() && out[i] != null) {
                env.put(node.output(i), out[i]);
            }
        }
    }

    private void checkInputs(Map<String, NDArray> inputs) {
        for (String name : inputNames) {
            if (!inputs.containsKey(name)) {
                throw new NncjException(SupportCheck.describe(model) + ": input " + name + " is missing; the graph takes "
                        + inputNames);
            }
        }
        for (String name : inputs.keySet()) {
            if (!inputNames.contains(name)) {
                throw new NncjException(SupportCheck.describe(model) + ": the graph has no input " + name
                        + "; it takes " + inputNames);
            }
        }
    }

    /**
     * The arrays among {@code available} this graph takes as inputs (a teacher reads the student's
     * batch); {@code role} names the graph in the error when one is missing.
     */
    public Map<String, NDArray> inputsFrom(Map<String, NDArray> available, String role) {
        Map<String, NDArray> out = new HashMap<>();
        for (String name : inputNames) {
            NDArray a = available.get(name);
            if (a == null) {
                throw new NncjException("the " + role + " takes input " + name + ", which the batch does not have");
            }
            out.put(name, a);
        }
        return out;
    }

    /** Sets every trainable parameter's accumulated gradient to zero (PyTorch adds up gradients). */
    public void zeroGradients() {
        for (Parameter p : trainableParameters()) {
            // libtorch's own zero_grad: no gradient handle, no temporary, even for a 47 MB table
            ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) p.array());
        }
    }

    /** Writes the current value of every trainable parameter into {@code target}'s initializers. */
    public void writeParameters(OnnxModel target) {
        Graph graph = target.graph();
        for (Parameter p : trainableParameters()) {
            Tensor original = graph.initializer(p.name()).orElseThrow(() ->
                    new NncjException(SupportCheck.describe(target) + ": has no initializer " + p.name()));
            Tensor trained = TensorArrays.toTensor(p.name(), p.array());
            if (trained.type() != original.type()) {
                throw new IllegalStateException("parameter " + p.name() + " changed type");
            }
            graph.replaceInitializer(trained);
        }
    }

    /**
     * Sets every trainable parameter to the same-named float initializer of {@code source} (a
     * checkpoint's model), bit for bit. Each parameter keeps its identity, which the optimizer's
     * moments are keyed by: the loaded tensor is swapped into the parameter's array.
     */
    public void loadParameters(OnnxModel source) {
        Graph graph = source.graph();
        for (Parameter p : trainableParameters()) {
            Tensor t = graph.initializer(p.name()).orElseThrow(() ->
                    new NncjException(SupportCheck.describe(source) + ": has no initializer " + p.name()));
            NDArray loaded = TensorArrays.toArray(manager, t);
            if (!loaded.getShape().equals(p.array().getShape()) || loaded.getDataType() != p.array().getDataType()) {
                loaded.close();
                throw new NncjException(SupportCheck.describe(source) + ": initializer " + p.name() + " is "
                        + loaded.getShape() + ", the parameter " + p.array().getShape());
            }
            // the loaded array reads a Java buffer that goes with its object: the parameter takes a copy PyTorch owns
            NDArray owned = loaded.duplicate();
            loaded.close();
            p.array().intern(owned);
            p.array().setRequiresGradient(true);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
