package dev.nncj.transformer;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.NncjException;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Lifts a BERT-family encoder out of an ONNX graph by its structure (names are never
 * consulted): the word-embedding Gather indexed by a graph input, the sum with position and
 * token-type embeddings and its LayerNorm, then layer after layer along the residual stream
 * until the stream reaches a graph output; optionally BERT's pooler (tanh of the first token
 * through a dense layer). Post-norm layers (BERT): attention, residual Add, LayerNorm, FFN,
 * residual Add, LayerNorm. Pre-norm layers: LayerNorm, attention, residual Add of the layer input,
 * LayerNorm, FFN, residual Add, then an optional final LayerNorm after the last layer. Which one is
 * read from whether the first layer's Q/K/V projections read the stream or a LayerNorm of it.
 *
 * <p>Anything not recognized stops the lift with the pattern and the node where it failed. Every
 * graph output must be the final hidden state or the pooler, so nothing the graph computes is
 * silently dropped by re-emission.
 */
public final class EncoderLifter {
    private EncoderLifter() {}

    /** Lifts {@code model}, or throws an {@link NncjException} naming {@code file} and what was missing. */
    public static EncoderSpec lift(OnnxModel model, Path file) {
        try {
            return lift(model);
        } catch (PatternMismatch e) {
            throw NncjException.inFile(file, "not a transformer encoder NNCJ can lift: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            // matched parts that do not fit together (e.g. projections of mismatched widths)
            throw NncjException.inFile(file, "not a transformer encoder NNCJ can lift: " + e.getMessage());
        }
    }

    /** Lifts {@code model} when it is a recognized encoder, else the reason it is not. */
    public static Result tryLift(OnnxModel model) {
        try {
            return new Result(Optional.of(lift(model)), "");
        } catch (PatternMismatch | IllegalArgumentException e) {
            return new Result(Optional.empty(), e.getMessage());
        }
    }

    /** A lift attempt: the spec, or the reason recognition failed. */
    public record Result(Optional<EncoderSpec> spec, String reason) {}

    static EncoderSpec lift(OnnxModel model) {
        Graph graph = model.graph();
        GraphView g = new GraphView(graph);
        Node wordGather = wordGather(g);
        String inputIds = wordGather.input(1);
        Optional<String> maskInput = graph.inputs().stream().map(ValueInfoProto::getName)
                .filter(n -> !n.equals(inputIds) && g.users(n).stream().noneMatch(u -> u.is("Gather")))
                .findFirst();

        // embeddings: word + position + token type, each an Add of a Gather from a table
        Tensor word = graph.constantValue(wordGather.input(0)).orElseThrow();
        Optional<Tensor> position = Optional.empty();
        Optional<Tensor> tokenType = Optional.empty();
        Optional<String> tokenTypeInput = Optional.empty();
        String sum = wordGather.output(0);
        List<Node> users = g.users(sum);
        while (users.size() == 1 && users.get(0).is("Add")) {
            Node add = users.get(0);
            String other = g.other(add, sum, "embeddings");
            Optional<Tensor> slicedTable = positionSlice(g, other);
            if (slicedTable.isPresent()) {
                position = slicedTable;
                sum = add.output(0);
                users = g.users(sum);
                continue;
            }
            Node gather = g.producer(other).filter(p -> p.is("Gather") && graph.constantValue(p.input(0)).isPresent())
                    .orElseThrow(() -> new PatternMismatch("embeddings: Add '" + add.name()
                            + "' adds something other than an embedding-table Gather: " + g.describe(other)));
            Tensor table = graph.constantValue(gather.input(0)).get();
            if (graph.isGraphInput(gather.input(1))) {
                if (tokenType.isPresent()) {
                    throw new PatternMismatch("embeddings: a second input-indexed table at Gather '" + gather.name() + "'");
                }
                tokenType = Optional.of(table);
                tokenTypeInput = Optional.of(gather.input(1));
            } else {
                requireArange(g, gather);
                position = Optional.of(table);
            }
            sum = add.output(0);
            users = g.users(sum);
        }
        Optional<String> ttInput = tokenTypeInput;
        maskInput = maskInput.filter(n -> ttInput.isEmpty() || !n.equals(ttInput.get()));
        LayerNormMatcher norms = new LayerNormMatcher(g);
        // A residual Add reading the raw embedding sum besides a LayerNorm whose output feeds Q/K/V:
        // a pre-norm stack without an embedding LayerNorm, the sum itself is the residual stream and
        // that LayerNorm is layer 0's LN1. Otherwise the sum's LayerNorm is the embedding LayerNorm.
        // (With no LayerNorm reading the sum at all, the LayerNorm mismatch below names the node.)
        AttentionMatcher attention = new AttentionMatcher(g, maskInput);
        boolean rawResidual = g.users(sum).stream().anyMatch(n -> n.is("Add"));
        Optional<LayerNormSpec> embNorm;
        String h;
        if (rawResidual && preNormAttentionInput(norms, attention, sum).isPresent()) {
            embNorm = Optional.empty();
            h = sum;
        } else {
            LayerNormMatcher.Matched m = norms.match(sum, "embeddings");
            embNorm = Optional.of(m.spec());
            h = m.output();
        }
        Embeddings embeddings = new Embeddings(word, position, tokenType, embNorm);

        // layers along the residual stream
        FeedForwardMatcher ffn = new FeedForwardMatcher(g);
        List<EncoderLayer> layers = new ArrayList<>();
        Optional<Float> maskValue = Optional.empty();
        // Placement is read from the first layer's structure. POST: the Q/K/V projections read the
        // stream itself. PRE: they read a LayerNorm of the stream, and the residual Add adds the
        // un-normalized stream back, h = h + Attn(LN1(h)).
        NormPlacement placement = !attention.startsAt(h) && preNormAttentionInput(norms, attention, h).isPresent()
                ? NormPlacement.PRE : NormPlacement.POST;
        Optional<LayerNormSpec> finalNorm = Optional.empty();
        if (placement == NormPlacement.PRE) {
            Optional<LayerNormMatcher.Matched> ln1;
            while ((ln1 = preNormAttentionInput(norms, attention, h)).isPresent()) {
                String where = "layer " + layers.size() + ": ";
                AttentionMatcher.Matched a = attention.match(ln1.get().output(), where);
                if (a.maskValue().isPresent() && maskValue.isPresent() && !a.maskValue().equals(maskValue)) {
                    throw new PatternMismatch(where + "attention mask value " + a.maskValue().get()
                            + " differs from the first layer's " + maskValue.get());
                }
                maskValue = maskValue.or(a::maskValue);
                // h + Attn(LN1(h)): the residual adds the layer input, not its normalized copy
                String afterAttention = residual(g, a.output(), h, where + "attention");
                LayerNormMatcher.Matched ln2 = norms.match(afterAttention, where + "FFN LayerNorm (pre-norm)");
                FeedForwardMatcher.Matched f = ffn.match(ln2.output(), where);
                // h + FFN(LN2(h))
                h = residual(g, f.output(), afterAttention, where + "FFN");
                layers.add(new EncoderLayer(a.spec(), ln1.get().spec(), f.spec(), ln2.spec()));
            }
            // pre-norm stacks usually normalize once more after the last layer (the stream itself is
            // never normalized inside a layer); it is optional, so a stream that is already the graph
            // output or feeds the pooler directly has none
            boolean normalized = g.users(h).stream().anyMatch(n -> n.is("LayerNormalization") || n.is("ReduceMean"));
            if (normalized) {
                LayerNormMatcher.Matched fin = norms.match(h, "final LayerNorm (pre-norm)");
                finalNorm = Optional.of(fin.spec());
                h = fin.output();
            }
        }
        while (placement == NormPlacement.POST && attention.startsAt(h)) {
            String where = "layer " + layers.size() + ": ";
            AttentionMatcher.Matched a = attention.match(h, where);
            if (a.maskValue().isPresent() && maskValue.isPresent() && !a.maskValue().equals(maskValue)) {
                throw new PatternMismatch(where + "attention mask value " + a.maskValue().get()
                        + " differs from the first layer's " + maskValue.get());
            }
            maskValue = maskValue.or(a::maskValue);
            String afterAttention = residual(g, a.output(), h, where + "attention");
            LayerNormMatcher.Matched ln1 = norms.match(afterAttention, where + "attention LayerNorm");
            FeedForwardMatcher.Matched f = ffn.match(ln1.output(), where);
            String afterFfn = residual(g, f.output(), ln1.output(), where + "FFN");
            LayerNormMatcher.Matched ln2 = norms.match(afterFfn, where + "output LayerNorm");
            layers.add(new EncoderLayer(a.spec(), ln1.spec(), f.spec(), ln2.spec()));
            h = ln2.output();
        }
        if (layers.isEmpty()) {
            throw new PatternMismatch("no attention layer: expected Q, K and V MatMuls reading the embedding"
                    + " LayerNorm at " + g.describe(h) + ", found " + GraphView.opsOf(g.users(h)));
        }

        // outputs: the final hidden state, optionally the pooler, and whatever else reads the hidden
        // state (a task head such as a classifier), carried verbatim
        Optional<Pooler> pooler = Optional.empty();
        Optional<String> poolerOutput = Optional.empty();
        List<Node> headRoots = new ArrayList<>();
        for (Node u : graph.consumers(h)) {
            Optional<PoolerMatch> pm = u.is("Gather") ? tryPooler(g, u, h) : Optional.empty();
            if (pm.isPresent() && pooler.isEmpty()) {
                pooler = Optional.of(pm.get().pooler);
                poolerOutput = Optional.of(pm.get().output);
            } else {
                headRoots.add(u);
            }
        }
        String hidden = h;
        Optional<TaskHead> head = headRoots.isEmpty() ? Optional.empty()
                : Optional.of(TaskHeads.collect(graph, hidden, headRoots, wordGather.output(0), model.opset()));
        for (ValueInfoProto out : graph.outputs()) {
            String name = out.getName();
            boolean fromHead = head.isPresent() && head.get().outputs().stream().anyMatch(o -> o.getName().equals(name));
            if (!name.equals(hidden) && !poolerOutput.equals(Optional.of(name)) && !fromHead) {
                throw new PatternMismatch("graph output '" + name + "' is neither the last hidden state ("
                        + g.describe(hidden) + "), a pooler output nor computed from the last hidden state");
            }
        }
        if (!graph.isGraphOutput(hidden) && head.isEmpty()) {
            throw new PatternMismatch("the last hidden state " + g.describe(hidden) + " is not a graph output");
        }
        for (ValueInfoProto in : graph.inputs()) {
            String n = in.getName();
            if (!n.equals(inputIds) && !maskInput.equals(Optional.of(n)) && !tokenTypeInput.equals(Optional.of(n))) {
                throw new PatternMismatch("graph input '" + n + "' is not input ids, attention mask or token types");
            }
        }
        EncoderInterface io = new EncoderInterface(graph.inputs(), graph.outputs(), inputIds, maskInput,
                tokenTypeInput, hidden, poolerOutput);
        return new EncoderSpec(embeddings, layers, placement, finalNorm,
                maskValue.orElse(0f), pooler, io, head);
    }

    /** The largest table Gathered with an integer graph input: the word embeddings. */
    private static Node wordGather(GraphView g) {
        Node best = null;
        for (Node n : g.graph().nodes()) {
            if (n.is("Gather") && g.graph().isGraphInput(n.input(1))) {
                Optional<Tensor> t = g.graph().constantValue(n.input(0)).filter(x -> x.rank() == 2);
                if (t.isPresent() && (best == null || t.get().dim(0) > g.graph().constantValue(best.input(0)).get().dim(0))) {
                    best = n;
                }
            }
        }
        if (best == null) {
            throw new PatternMismatch("no token embedding: no Gather from a constant table indexed by a graph input");
        }
        Tensor table = g.graph().constantValue(best.input(0)).get();
        if (!table.type().isFloatingPoint()) {
            throw new PatternMismatch("the word-embedding table '" + table.name() + "' is " + table.type().displayName()
                    + ": quantized models are not lifted (prune the float model, then quantize)");
        }
        return best;
    }

    /** Position ids must be 0, 1, ..., S-1: a leading Slice (or the whole) of a constant arange. */
    private static void requireArange(GraphView g, Node gather) {
        String ids = gather.input(1);
        Optional<Node> slice = g.producer(ids).filter(p -> p.is("Slice"));
        String source = slice.map(s -> s.input(0)).orElse(ids);
        Optional<Tensor> table = g.constant(source).filter(t -> t.type().isInteger());
        boolean startsAtZero = slice.isEmpty() || g.constant(slice.get().input(1))
                .filter(t -> t.numElements() == 1 && t.toLongs()[0] == 0).isPresent();
        if (table.isEmpty() || !startsAtZero) {
            throw new PatternMismatch("embeddings: position ids at Gather '" + gather.name()
                    + "' are not a constant 0..S-1 (a Slice from 0 of a constant arange)");
        }
        long[] v = table.get().toLongs();
        for (int i = 0; i < v.length; i++) {
            if (v[i] != i) {
                throw new PatternMismatch("embeddings: position ids at Gather '" + gather.name() + "' are not 0..n-1");
            }
        }
    }

    /**
     * Position embeddings as NNCJ's emitter writes them: Slice(table, [0], [S], [0]), the first S
     * rows of a constant table, which is word + position[0..S-1] without a position-id Gather.
     */
    private static Optional<Tensor> positionSlice(GraphView g, String value) {
        Optional<Node> slice = g.producer(value).filter(p -> p.is("Slice"));
        if (slice.isEmpty()) {
            return Optional.empty();
        }
        Node s = slice.get();
        Optional<Tensor> table = g.constant(s.input(0)).filter(t -> t.rank() == 2 && t.type().isFloatingPoint());
        boolean fromZero = g.constant(s.input(1)).filter(t -> t.numElements() == 1 && t.toLongs()[0] == 0).isPresent();
        boolean rows = g.constant(s.input(3)).filter(t -> t.numElements() == 1 && t.toLongs()[0] == 0).isPresent();
        boolean unitStep = s.input(4).isEmpty();
        boolean toSeqLen = g.producer(s.input(2)).filter(p -> p.is("Shape") && g.graph().isGraphInput(p.input(0))
                && p.intAttribute("start", 0) == 1 && p.intAttribute("end", -1) == 2).isPresent();
        return table.isPresent() && fromZero && rows && unitStep && toSeqLen ? table : Optional.empty();
    }

    /**
     * The pre-norm attention input LN1(h): a LayerNorm reading the stream {@code h} whose output
     * feeds Q/K/V projections, with {@code h} also read by something else (the residual Add).
     * Empty when {@code h} is not normalized or the norm's output is not an attention input.
     */
    private static Optional<LayerNormMatcher.Matched> preNormAttentionInput(LayerNormMatcher norms,
                                                                             AttentionMatcher attention, String h) {
        LayerNormMatcher.Matched ln;
        try {
            ln = norms.match(h, "pre-norm attention LayerNorm");
        } catch (PatternMismatch e) {
            return Optional.empty();
        }
        return attention.startsAt(ln.output()) ? Optional.of(ln) : Optional.empty();
    }

    /** The residual Add of {@code branch} and {@code stream}; returns its output. */
    private static String residual(GraphView g, String branch, String stream, String where) {
        Node add = g.onlyUser(branch, "Add", where + " residual");
        if (!g.other(add, branch, where).equals(stream)) {
            throw new PatternMismatch(where + " residual: Add '" + add.name() + "' does not add the layer input "
                    + g.describe(stream));
        }
        return add.output(0);
    }

    private record PoolerMatch(Pooler pooler, String output) {}

    /** The pooler starting at {@code first}, or empty when it is not one (then it belongs to a task head). */
    private static Optional<PoolerMatch> tryPooler(GraphView g, Node first, String h) {
        try {
            return Optional.of(pooler(g, first, h));
        } catch (PatternMismatch e) {
            return Optional.empty();
        }
    }

    /** BERT pooler: Gather(h, 0, axis 1), dense, Tanh, ending at a graph output. */
    private static PoolerMatch pooler(GraphView g, Node first, String h) {
        String where = "pooler";
        boolean cls = first.is("Gather") && first.intAttribute("axis", 0) == 1
                && g.constant(first.input(1)).filter(t -> t.numElements() == 1 && t.toLongs()[0] == 0).isPresent();
        if (!cls) {
            throw new PatternMismatch("after the last layer: expected the graph output or a pooler"
                    + " (Gather of token 0), found " + first.opType() + " '" + first.name() + "'");
        }
        List<Node> users = g.users(first.output(0));
        Node dense = users.size() == 1 ? users.get(0) : null;
        Linear linear;
        String tanhOut;
        if (dense != null && (dense.is("Gemm") || dense.domain().equals("com.microsoft") && dense.opType().equals("FusedGemm"))) {
            // ORT turns the 2-D MatMul + Add into Gemm (FusedGemm with activation Tanh when it also fuses the Tanh)
            linear = gemm(g, dense);
            boolean fusedTanh = dense.stringAttribute("activation", "").equals("Tanh");
            tanhOut = fusedTanh ? dense.output(0) : g.onlyUser(dense.output(0), "Tanh", where).output(0);
        } else {
            Node mm = g.onlyUser(first.output(0), "MatMul", where);
            LinearMatcher.Matched m = new LinearMatcher(g).match(mm, where);
            linear = m.linear();
            tanhOut = g.onlyUser(m.output(), "Tanh", where).output(0);
        }
        if (!g.graph().isGraphOutput(tanhOut)) {
            throw new PatternMismatch("pooler: the Tanh output '" + tanhOut + "' is not a graph output");
        }
        return new PoolerMatch(new Pooler(linear), tanhOut);
    }

    /** Gemm(x, B, C) with alpha = beta = 1 and x not transposed, as x W + b (W = B, or B^T when transB). */
    private static Linear gemm(GraphView g, Node n) {
        Optional<Tensor> b = g.constant(n.input(1)).filter(t -> t.rank() == 2 && t.type().isFloatingPoint());
        Optional<Tensor> c = g.constant(n.input(2)).filter(t -> t.rank() == 1 && t.type().isFloatingPoint());
        if (b.isEmpty() || c.isEmpty() || n.intAttribute("transA", 0) != 0 || n.floatAttribute("alpha", 1f) != 1f
                || n.floatAttribute("beta", 1f) != 1f) {
            throw new PatternMismatch("pooler: " + n.opType() + " '" + n.name() + "' is not x W + b with constant W and b");
        }
        Tensor w = b.get();
        if (n.intAttribute("transB", 0) != 0) {
            float[] v = w.toFloats();
            int rows = (int) w.dim(0);
            int cols = (int) w.dim(1);
            float[] t = new float[v.length];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    t[j * rows + i] = v[i * cols + j];
                }
            }
            w = Tensor.ofFloats(w.name(), new long[] {cols, rows}, t);
        }
        return new Linear(w, c.get());
    }
}
