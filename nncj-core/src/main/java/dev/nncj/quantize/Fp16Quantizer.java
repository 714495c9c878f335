package dev.nncj.quantize;

import dev.nncj.ProgressListener;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.NameScope;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * float16 weights, float32 compute: every float32 initializer of at least {@link #MIN_ELEMENTS}
 * elements is stored as float16 and widened back by a {@code Cast(to=FLOAT)} at the top of the
 * graph, so inputs, outputs and every op keep their float32 types and meaning.
 *
 * <p>Why float32 compute: ORT folds each weight Cast into a float32 constant when it loads the
 * session, so latency is float32's by construction, activations keep float32 precision, and the
 * file is half the size; the only numeric change is the float16 rounding of each weight (relative
 * error at most 2^-11, magnitudes below 2^-24 flush to zero). Float16 compute was measured instead
 * of guessed: ORT 1.23's CPU provider runs float16 MatMuls on x86-64 but no faster than float32
 * (1.03x slower on MiniLM's shapes, more session memory) while rounding every activation to 11
 * bits; see bench/results/2026-11-27-quantize-weight-only.md.
 *
 * <p>Small initializers (scalars such as LayerNorm's epsilon 1e-12, which float16 would flush to 0,
 * shape constants, exponents) stay float32: they weigh nothing and some are not representable.
 */
public final class Fp16Quantizer implements ModelQuantizer {
    static final int MIN_ELEMENTS = 16;
    private static final float FLOAT16_MAX = 65504f;

    @Override
    public QuantizationResult quantize(OnnxModel model, QuantizeOptions options, ProgressListener progress) {
        Graph graph = model.graph();
        QuantizationLog log = new QuantizationLog();
        NameScope names = graph.nameScope();
        List<Node> casts = new ArrayList<>();
        Set<Node> touched = new LinkedHashSet<>();
        int small = 0;
        for (Tensor t : List.copyOf(graph.initializers().values())) {
            if (t.type() != DataType.FLOAT) {
                continue;
            }
            List<Node> readers = graph.consumers(t.name());
            if (readers.isEmpty()) {
                continue;
            }
            if (t.numElements() < MIN_ELEMENTS) {
                small++;
                continue;
            }
            String why = whyNot(graph, t, readers, options.nodes());
            if (why != null) {
                readers.forEach(n -> log.keptFloat(n, why));
                continue;
            }
            Tensor half = Tensor.encodeFloats(names.fresh(t.name() + "_fp16"), DataType.FLOAT16, t.shape(), t.toFloats());
            graph.removeInitializer(t.name());
            graph.addInitializer(half);
            casts.add(new Node(names.fresh(t.name() + "_to_float"), "Cast", "", List.of(half.name()), List.of(t.name()))
                    .set("to", DataType.FLOAT.code()));
            touched.addAll(readers);
        }
        if (!casts.isEmpty()) {
            Node first = graph.nodes().get(0);
            for (Node cast : casts) {
                graph.insertBefore(first, cast);
            }
        }
        touched.forEach(log::quantized);
        if (small > 0) {
            log.note(small + " float32 constant(s) under " + MIN_ELEMENTS + " elements kept float32 (scalars such as"
                    + " epsilons, which float16 could flush to zero)");
        }
        return log.result(model);
    }

    /** Why {@code t} must stay float32, or null. */
    private static String whyNot(Graph graph, Tensor t, List<Node> readers, NodeFilter filter) {
        if (graph.isGraphInput(t.name()) || graph.isGraphOutput(t.name())) {
            return "initializer " + t.name() + " is part of the model's interface";
        }
        if (readers.stream().anyMatch(n -> !filter.accepts(n))) {
            return "initializer " + t.name() + " is read by a node excluded by include/exclude";
        }
        for (float v : t.toFloats()) {
            if (!(Math.abs(v) <= FLOAT16_MAX) && Float.isFinite(v)) {
                return "initializer " + t.name() + " holds " + v + ", beyond float16's range";
            }
        }
        return null;
    }
}
