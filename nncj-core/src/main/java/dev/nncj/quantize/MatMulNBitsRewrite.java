package dev.nncj.quantize;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Domains;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.NameScope;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code MatMul(A, W[K,N])} → com.microsoft {@code MatMulNBits(A, B, scales[, zero_points])}, which
 * computes {@code A @ dequant(B)^T} with B block-quantized along K (ONNX Runtime contrib op docs):
 * B is uint8 [N, ceil(K/block), block*bits/8] (codes of W^T packed low nibble first), scales float32
 * [N, ceil(K/block)], zero_points uint8 [N, ceil(ceil(K/block)*bits/8)] packed the same way and
 * omitted when symmetric (the op's default zero point is 2^(bits-1)).
 */
final class MatMulNBitsRewrite {
    private final int bits;
    private final int blockSize;
    private final boolean symmetric;
    private final boolean searchClip;

    /** {@code searchClip}: see {@link BlockQuantizedMatrix}; off only for tests of plain round-to-nearest. */
    MatMulNBitsRewrite(int bits, int blockSize, boolean symmetric, boolean searchClip) {
        this.bits = bits;
        this.blockSize = blockSize;
        this.symmetric = symmetric;
        this.searchClip = searchClip;
    }

    /** Rewrites every MatMul the filter accepts and that has a weight; logs the others. */
    void apply(Graph graph, NodeFilter filter, QuantizationLog log) {
        apply(graph, filter, log, Map.of());
    }

    /**
     * As {@link #apply(Graph, NodeFilter, QuantizationLog)}; a MatMul whose activation input has
     * calibration statistics ({@code meanSquares}: E[x_k^2] per input channel) is quantized with
     * {@link ActivationAwareScaling}, a {@code Mul(A, 1/s)} feeding it when alpha > 0.
     */
    void apply(Graph graph, NodeFilter filter, QuantizationLog log, Map<String, double[]> meanSquares) {
        NameScope names = graph.nameScope();
        Map<String, List<String>> done = new HashMap<>(); // weight name -> its quantized inputs (shared weights)
        for (Node node : List.copyOf(graph.nodes())) {
            if (!node.is("MatMul") || !node.domain().isEmpty()) {
                continue;
            }
            if (!filter.accepts(node)) {
                log.keptFloat(node, "excluded by include/exclude");
                continue;
            }
            MatMulWeight.Either found = MatMulWeight.find(graph, node);
            if (!found.found()) {
                log.keptFloat(node, found.reason());
                continue;
            }
            MatMulWeight mw = found.weight();
            List<String> inputs = new ArrayList<>();
            double[] stats = meanSquares.get(node.input(0));
            if (stats != null && stats.length == mw.k()) {
                ActivationAwareScaling awq = ActivationAwareScaling.search(mw.transposed(), mw.n(), mw.k(), stats, bits,
                        blockSize, symmetric);
                String a = node.input(0);
                if (awq.alpha() > 0) {
                    float[] inverse = new float[awq.scales().length];
                    for (int i = 0; i < inverse.length; i++) {
                        inverse[i] = 1 / awq.scales()[i];
                    }
                    Tensor inv = Tensor.ofFloats(names.fresh(mw.weight().name() + "_inverse_scales"),
                            new long[] {inverse.length}, inverse);
                    graph.addInitializer(inv);
                    a = names.fresh(node.input(0) + "_scaled");
                    graph.insertBefore(node, Node.of(names.fresh(node.name() + "_activation_scale"), "Mul",
                            List.of(node.input(0), inv.name()), List.of(a)));
                }
                inputs.add(a);
                inputs.addAll(addQuantized(graph, names, mw, awq.weights(), awq.columnWeights()));
            } else {
                inputs.add(node.input(0));
                inputs.addAll(done.computeIfAbsent(mw.weight().name(),
                        w -> addQuantized(graph, names, mw, mw.transposed(), null)));
            }
            Node q = new Node(node.name(), "MatMulNBits", Domains.MICROSOFT, inputs, node.outputs())
                    .set("K", mw.k()).set("N", mw.n()).set("bits", bits).set("block_size", blockSize);
            graph.replaceNode(node, List.of(q));
            log.quantized(q);
        }
        graph.removeUnusedInitializers();
    }

    private List<String> addQuantized(Graph graph, NameScope names, MatMulWeight mw, float[] transposed,
                                      double[] columnWeights) {
        int k = mw.k();
        int n = mw.n();
        BlockQuantizedMatrix q = BlockQuantizedMatrix.quantize(transposed, n, k, bits, blockSize, symmetric, searchClip,
                columnWeights);
        int blocks = q.blocksPerRow();
        String base = mw.weight().name();
        List<String> inputs = new ArrayList<>();
        Tensor b = Tensor.ofRaw(names.fresh(base + "_Q" + bits), DataType.UINT8,
                new long[] {n, blocks, blockSize * bits / 8}, q.packedCodes(true));
        Tensor scales = Tensor.ofFloats(names.fresh(base + "_scales"), new long[] {n, blocks}, q.scales());
        graph.addInitializer(b);
        graph.addInitializer(scales);
        inputs.add(b.name());
        inputs.add(scales.name());
        if (!symmetric) {
            Tensor zp = Tensor.ofRaw(names.fresh(base + "_zero_points"), DataType.UINT8,
                    new long[] {n, (blocks * bits + 7) / 8}, q.packedZeroPoints());
            graph.addInitializer(zp);
            inputs.add(zp.name());
        }
        return inputs;
    }
}
