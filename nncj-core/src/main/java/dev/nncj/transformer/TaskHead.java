package dev.nncj.transformer;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.OpsetUpgrade;
import dev.nncj.onnx.Tensor;
import java.util.List;
import java.util.Map;

/**
 * What a model computes from the encoder's last hidden state besides BERT's pooler, e.g. the mean
 * pooling and linear layer of a classifier written by {@code nncj finetune}. Surgery does not look
 * inside it: the lifter copies it and the emitter writes it back verbatim on top of the new encoder,
 * so a pruned or shared classifier is still the same classifier.
 *
 * @param hiddenInput  the name the head's nodes read the last hidden state by
 * @param nodes        the head's nodes (copies), in graph order
 * @param initializers the constants the head reads
 * @param outputs      the graph outputs the head produces, in the original's order
 * @param opset        the default-domain opset the nodes were written for
 */
public record TaskHead(String hiddenInput, List<Node> nodes, List<Tensor> initializers, List<ValueInfoProto> outputs,
                       long opset) {
    public TaskHead {
        nodes = nodes.stream().map(Node::copy).toList();
        initializers = List.copyOf(initializers);
        outputs = List.copyOf(outputs);
    }

    /** Copies: callers may edit what they get. */
    @Override
    public List<Node> nodes() {
        return nodes.stream().map(Node::copy).toList();
    }

    /** Floating-point parameters (e.g. the classifier's weight and bias). */
    public long parameterCount() {
        return initializers.stream().filter(t -> t.type().isFloatingPoint()).mapToLong(Tensor::numElements).sum();
    }

    /** Null when the head's ops mean the same at {@code target}, else why not. */
    String whyNotAt(long target) {
        return new OpsetUpgrade(target).whyNot(asModel());
    }

    /** The head rewritten for {@code target} (e.g. ReduceSum's axes attribute moved to an input at 13). */
    TaskHead at(long target) {
        OnnxModel model = asModel();
        new OpsetUpgrade(target).apply(model);
        return new TaskHead(hiddenInput, model.graph().nodes(), List.copyOf(model.graph().initializers().values()),
                outputs, target);
    }

    private OnnxModel asModel() {
        Graph g = new Graph("task_head");
        nodes().forEach(g::addNode);
        initializers.forEach(g::addInitializer);
        return new OnnxModel(g, 8, Map.of("", opset));
    }
}
