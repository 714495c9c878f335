package dev.nncj.transformer;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.List;
import java.util.Optional;

/**
 * Matches an encoder's embeddings: the word-embedding Gather indexed by a graph input (the
 * largest such table), the Adds of position and token-type tables, and the embedding LayerNorm
 * (absent in a pre-norm stack whose first layer normalizes the raw sum itself). Also tells the
 * graph's inputs apart by role: input ids, token types, and the attention mask (the remaining
 * input that indexes no table).
 */
final class EmbeddingsMatcher {
    /**
     * @param embeddings the tables and norm
     * @param sum        the word + position + token-type sum before any LayerNorm
     * @param stream     the residual stream entering layer 0 (the norm's output, or {@code sum})
     * @param wordLookup the word-embedding Gather's output
     */
    record Matched(Embeddings embeddings, String wordLookup, String inputIds, Optional<String> tokenTypeInput,
                   Optional<String> maskInput, String sum, String stream) {}

    private final GraphView g;

    EmbeddingsMatcher(GraphView g) {
        this.g = g;
    }

    Matched match() {
        Optional<Matched> fused = new EmbedLayerNormMatcher(g).match();
        if (fused.isPresent()) {
            return fused.get();
        }
        Graph graph = g.graph();
        Node wordGather = wordGather();
        String inputIds = wordGather.input(1);
        Tensor word = graph.constantValue(wordGather.input(0)).orElseThrow();
        Optional<Tensor> position = Optional.empty();
        Optional<Tensor> tokenType = Optional.empty();
        Optional<String> tokenTypeInput = Optional.empty();
        Optional<Node> zeroTypeRow = Optional.empty();
        String sum = wordGather.output(0);
        List<Node> users = g.users(sum);
        // word + position + token type, each an Add of a Gather from a table
        while (users.size() == 1 && users.get(0).is("Add")) {
            Node add = users.get(0);
            String other = g.other(add, sum, "embeddings");
            Optional<Tensor> slicedTable = positionSlice(other);
            if (slicedTable.isPresent()) {
                position = slicedTable;
            } else {
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
                } else if (constantZeros(gather.input(1))) {
                    // token_type_ids not an input: type 0 everywhere, one row added to every position
                    zeroTypeRow = Optional.of(gather);
                } else {
                    requireArange(gather);
                    position = Optional.of(table);
                }
            }
            sum = add.output(0);
            users = g.users(sum);
        }
        if (zeroTypeRow.isPresent()) {
            g.recognized("token types", "constant zeros (token_type_ids not an input), row 0 folded into the "
                    + (position.isPresent() ? "position" : "word") + " table");
            Tensor row = graph.constantValue(zeroTypeRow.get().input(0)).get();
            if (position.isPresent()) {
                position = Optional.of(plusRow(position.get(), row));
            } else {
                word = plusRow(word, row);
            }
        } else {
            g.recognized("token types", tokenTypeInput.isPresent() ? "input" : "none");
        }
        Optional<String> ttInput = tokenTypeInput;
        Optional<String> maskInput = graph.inputs().stream().map(ValueInfoProto::getName)
                .filter(n -> !n.equals(inputIds) && g.users(n).stream().noneMatch(u -> u.is("Gather")))
                .filter(n -> ttInput.isEmpty() || !n.equals(ttInput.get()))
                .findFirst();

        // A residual Add reading the raw embedding sum besides a LayerNorm whose output feeds Q/K/V:
        // a pre-norm stack without an embedding LayerNorm, the sum itself is the residual stream and
        // that LayerNorm is layer 0's LN1. Otherwise the sum's LayerNorm is the embedding LayerNorm.
        // (With no LayerNorm reading the sum at all, the LayerNorm mismatch below names the node.)
        LayerNormMatcher norms = new LayerNormMatcher(g);
        AttentionMatcher attention = new AttentionMatcher(g, maskInput);
        boolean rawResidual = g.users(sum).stream().anyMatch(n -> n.is("Add"));
        Optional<LayerNormSpec> norm;
        String stream;
        if (rawResidual && LayerStackMatcher.preNormAttentionInput(norms, attention, sum).isPresent()) {
            norm = Optional.empty();
            stream = sum;
        } else {
            LayerNormMatcher.Matched m = norms.match(sum, "embeddings");
            norm = Optional.of(m.spec());
            stream = m.output();
        }
        return new Matched(new Embeddings(word, position, tokenType, norm), wordGather.output(0), inputIds, tokenTypeInput, maskInput,
                sum, stream);
    }

    /** The largest table Gathered with an integer graph input: the word embeddings. */
    private Node wordGather() {
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

    /**
     * True when {@code ids} is all zeros whatever the input: a constant of zeros, or such a constant
     * sliced, expanded, reshaped or indexed (transformers' registered token_type_ids buffer).
     */
    private boolean constantZeros(String ids) {
        Optional<Tensor> c = g.constant(ids);
        if (c.isPresent()) {
            return c.get().type().isInteger() && java.util.Arrays.stream(c.get().toLongs()).allMatch(v -> v == 0);
        }
        Optional<Node> p = g.producer(ids);
        if (p.isPresent() && p.get().is("ConstantOfShape")) {
            return p.get().tensorAttribute("value").map(v -> v.toLongs()[0] == 0).orElse(true);
        }
        return p.filter(n -> java.util.Set.of("Slice", "Expand", "Reshape", "Unsqueeze", "Squeeze", "Gather",
                "GatherElements", "Tile", "Identity").contains(n.opType())).map(n -> constantZeros(n.input(0))).orElse(false);
    }

    /** Every row of {@code table} plus row 0 of {@code types}. */
    private static Tensor plusRow(Tensor table, Tensor types) {
        float[] t = table.toFloats();
        float[] row = types.toFloats();
        int width = (int) table.dim(1);
        for (int i = 0; i < t.length; i++) {
            t[i] += row[i % width];
        }
        return Tensor.ofFloats(table.name(), table.shape(), t);
    }

    /** Position ids must be 0, 1, ..., S-1: a leading Slice (or the whole) of a constant arange. */
    private void requireArange(Node gather) {
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
    private Optional<Tensor> positionSlice(String value) {
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
}
