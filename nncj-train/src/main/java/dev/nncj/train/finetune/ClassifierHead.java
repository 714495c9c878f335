package dev.nncj.train.finetune;

import dev.nncj.NncjException;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.NameScope;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.ValueInfos;
import dev.nncj.train.execution.SupportCheck;
import java.util.List;
import java.util.Random;

/**
 * Turns a sentence encoder into a classifier, in the graph itself: mask-aware mean pooling of the
 * hidden states (as sentence-transformers pools) and a linear layer, so that the result is one
 * self-contained ONNX model, token ids and mask in, logits out.
 * <pre>
 * hidden[b,s,h], mask[b,s] ─ m = Unsqueeze(Cast(mask), -1)
 * pooled = ReduceSum(hidden * m, 1) / Max(ReduceSum(m, 1), 1e-9)
 * logits[b,c] = Gemm(pooled, W[h,c], bias[c])      W ~ N(0, 0.02^2) (BERT's initializer), bias 0
 * </pre>
 */
public final class ClassifierHead {
    /** The output the classifier exposes. */
    public static final String LOGITS = "logits";

    private ClassifierHead() {}

    /**
     * Adds the head on top of {@code hiddenOutput} (e.g. last_hidden_state) in place; the model's
     * outputs become just {@link #LOGITS}.
     */
    public static void attach(OnnxModel model, String hiddenOutput, int classes, long seed) {
        Graph g = model.graph();
        String where = SupportCheck.describe(model);
        if (classes < 2) {
            throw new NncjException(where + ": a classifier needs at least 2 classes, got " + classes);
        }
        var output = g.outputs().stream().filter(v -> v.getName().equals(hiddenOutput)).findFirst()
                .orElseThrow(() -> new NncjException(where + ": has no output " + hiddenOutput));
        List<String> dims = ValueInfos.dims(output);
        if (dims == null || dims.size() != 3 || !dims.get(2).matches("\\d+")) {
            throw new NncjException(where + ": output " + hiddenOutput + " must be [batch, sequence, hidden] with a fixed"
                    + " hidden size, is " + ValueInfos.describe(output));
        }
        if (!g.isGraphInput(TextBatches.MASK)) {
            throw new NncjException(where + ": has no " + TextBatches.MASK + " input to pool with");
        }
        if (g.isGraphOutput(LOGITS)) {
            throw new NncjException(where + ": already has an output named " + LOGITS);
        }
        int hidden = Integer.parseInt(dims.get(2));
        long opset = model.opset();
        NameScope names = g.nameScope();

        String mask = add(g, names, "Cast", List.of(TextBatches.MASK)).set("to", (long) DataType.FLOAT.code()).output(0);
        // Unsqueeze and ReduceSum took their axes as attributes before opset 13, as inputs from 13
        String mask3 = opset < 13
                ? add(g, names, "Unsqueeze", List.of(mask)).set("axes", new long[] {-1}).output(0)
                : add(g, names, "Unsqueeze", List.of(mask, constant(g, names, "pool_axes_last", -1))).output(0);
        String masked = add(g, names, "Mul", List.of(hiddenOutput, mask3)).output(0);
        String summed = reduceSum(g, names, opset, masked);
        String count = reduceSum(g, names, opset, mask3);
        String floor = names.fresh("pool_min_count");
        g.addInitializer(Tensor.ofFloats(floor, new long[0], 1e-9f));
        String safeCount = add(g, names, "Max", List.of(count, floor)).output(0);
        String pooled = add(g, names, "Div", List.of(summed, safeCount)).output(0);

        Random random = new Random(seed);
        float[] w = new float[hidden * classes];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * 0.02);
        }
        String weight = names.fresh("classifier.weight");
        String bias = names.fresh("classifier.bias");
        g.addInitializer(Tensor.ofFloats(weight, new long[] {hidden, classes}, w));
        g.addInitializer(Tensor.ofFloats(bias, new long[] {classes}, new float[classes]));
        Node gemm = new Node(names.fresh("classifier"), "Gemm", "", List.of(pooled, weight, bias), List.of(LOGITS));
        g.addNode(gemm);
        g.setOutputs(List.of(ValueInfos.tensor(LOGITS, DataType.FLOAT, dims.get(0), classes)));
        g.removeDeadNodes();
    }

    private static String reduceSum(Graph g, NameScope names, long opset, String input) {
        Node n = opset < 13
                ? add(g, names, "ReduceSum", List.of(input)).set("axes", new long[] {1})
                : add(g, names, "ReduceSum", List.of(input, constant(g, names, "pool_axes_seq", 1)));
        return n.set("keepdims", 0L).output(0);
    }

    private static String constant(Graph g, NameScope names, String base, long axis) {
        String name = names.fresh(base);
        g.addInitializer(Tensor.ofLongs(name, new long[] {1}, axis));
        return name;
    }

    private static Node add(Graph g, NameScope names, String op, List<String> inputs) {
        String name = names.fresh("pool_" + op.toLowerCase(java.util.Locale.ROOT));
        return g.addNode(new Node(name, op, "", inputs, List.of(names.fresh(name + "_out"))));
    }
}
