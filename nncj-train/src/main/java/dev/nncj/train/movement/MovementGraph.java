package dev.nncj.train.movement;

import dev.nncj.onnx.Domains;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.sparsity.PruningPattern;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns an emitted classifier into movement pruning's training graph: a score initializer per
 * {@link MovementScores.ScoreTensor} (starting at the units' magnitudes), one MovementTopK node computing every mask from every score
 * (a global top-k needs them all at once), and each masked weight W read through
 * MovementMaskedWeight(W, S, M) by the MatMuls that read W.
 * <pre>
 * S_1 .. S_n ── MovementTopK ── M_1 .. M_n
 * W ─ MovementMaskedWeight(W, S_i, M_i) ─ MatMul(x, ·)       forward W * M_i, dL/dS_i = dL/dW' * W
 * </pre>
 * The weights keep their names, so the trained values go back into the dense model by name.
 */
final class MovementGraph {
    /** The training domain the executor accepts (shared with fake quantization's weight op). */
    static final String DOMAIN = Domains.TRAINING;
    static final String MASKED_WEIGHT = dev.nncj.train.ops.MovementOps.MASKED_WEIGHT;

    private MovementGraph() {}

    /** Edits {@code model} (an emitted encoder whose weights {@code scores} names) into the training graph. */
    static OnnxModel build(OnnxModel model, MovementScores scores, PruningPattern.Scope scope) {
        Graph g = model.graph();
        model.requireOpset(DOMAIN, 1);
        List<String> scoreNames = new ArrayList<>();
        List<String> maskNames = new ArrayList<>();
        for (MovementScores.ScoreTensor t : scores.tensors()) {
            g.addInitializer(Tensor.ofFloats(t.name(), t.shape(), MovementScores.magnitudes(g, t)));
            scoreNames.add(t.name());
            maskNames.add(t.maskName());
        }
        Node topK = new Node(g.nameScope().fresh("movement_top_k"), ScoreMasks.OP, DOMAIN, scoreNames, maskNames);
        topK.set(ScoreMasks.UNIT_WEIGHTS, scores.unitWeights());
        topK.set(ScoreMasks.GLOBAL, scope == PruningPattern.Scope.GLOBAL ? 1L : 0L);
        g.addNode(topK);
        for (MovementScores.ScoreTensor t : scores.tensors()) {
            for (MovementScores.MaskedUse use : t.uses()) {
                String masked = use.weight() + ".masked";
                List<Node> readers = g.consumers(use.weight()).stream().filter(n -> n.is("MatMul")).toList();
                Node node = new Node(g.nameScope().fresh(use.weight() + ".movement"), MASKED_WEIGHT, DOMAIN,
                        List.of(use.weight(), t.name(), t.maskName()), List.of(masked));
                node.set("axis", (long) use.axis()).set("block", (long) use.block());
                g.addNode(node);
                readers.forEach(r -> r.replaceInput(use.weight(), masked));
            }
        }
        g.sortTopologically();
        return model;
    }
}
