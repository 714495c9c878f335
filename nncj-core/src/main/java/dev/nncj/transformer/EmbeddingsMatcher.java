package dev.nncj.transformer;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Matches an encoder's embeddings: the word-embedding Gather indexed by a graph input (the
 * largest such table), the Adds of position and token-type tables (positions 0..S-1 or counted
 * from the padding mask; token types from an input or constant zeros), the embedding LayerNorm
 * (absent in a pre-norm stack whose first layer normalizes the raw sum itself) and a projection
 * to the hidden width after it (ELECTRA, ALBERT). Also tells the
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
        OptionalLong paddingIdx = OptionalLong.empty();
        Optional<Tensor> tokenType = Optional.empty();
        Optional<String> tokenTypeInput = Optional.empty();
        String sum = wordGather.output(0);
        Optional<Node> factor = rightFactor(sum);
        if (factor.isPresent()) {
            g.recognized("embeddings", "a low-rank word table L·R (factorized), read as its product");
            word = product(word, graph.constantValue(factor.get().input(1)).get());
            sum = factor.get().output(0);
        }
        String wordLookup = sum;
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
                OptionalLong padding;
                if (graph.isGraphInput(gather.input(1))) {
                    if (tokenType.isPresent()) {
                        throw new PatternMismatch("embeddings: a second input-indexed table at Gather '" + gather.name() + "'");
                    }
                    tokenType = Optional.of(table);
                    tokenTypeInput = Optional.of(gather.input(1));
                } else if (tokenType.isEmpty() && isConstantZeros(gather.input(1))) {
                    // before the arange test: a constant [0] is a one-long arange, but it adds row 0 to
                    // every position, which is token type 0 and not a position embedding
                    g.recognized("embeddings", "constant token type 0");
                    tokenType = Optional.of(table);
                } else if (isArange(gather.input(1))) {
                    requireOnePositionTable(position, gather);
                    position = Optional.of(table);
                } else if ((padding = paddingPositions(gather.input(1), inputIds)).isPresent()) {
                    g.recognized("embeddings", "positions from the padding mask (RoBERTa)");
                    requireOnePositionTable(position, gather);
                    position = Optional.of(table);
                    paddingIdx = padding;
                } else {
                    throw new PatternMismatch("embeddings: position ids at Gather '" + gather.name()
                            + "' are neither 0..S-1 (a Slice from 0 of a constant arange) nor counted from the"
                            + " padding mask (padding_idx + cumsum(ids != padding_idx))");
                }
            }
            sum = add.output(0);
            users = g.users(sum);
        }
        if (tokenTypeInput.isPresent() || tokenType.isEmpty()) {
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
        Optional<LinearMatcher.Matched> projection = projection(stream, attention);
        if (projection.isPresent()) {
            g.recognized("embeddings", "projected to the hidden width (ELECTRA, ALBERT)");
            stream = projection.get().output();
        }
        return new Matched(new Embeddings(word, position, tokenType, norm, projection.map(LinearMatcher.Matched::linear),
                paddingIdx), wordLookup, inputIds, tokenTypeInput, maskInput, sum, stream);
    }

    /**
     * The projection from the embedding width to the hidden width (ELECTRA, ALBERT): the normalized
     * embeddings' only user is a dense layer, and it is not the first layer's attention.
     */
    private Optional<LinearMatcher.Matched> projection(String stream, AttentionMatcher attention) {
        LinearMatcher linears = new LinearMatcher(g);
        List<Node> users = g.users(stream);
        if (attention.startsAt(stream) || users.size() != 1 || !linears.isDense(users.get(0), stream)) {
            return Optional.empty();
        }
        return Optional.of(linears.match(users.get(0), "embeddings projection"));
    }

    /**
     * The MatMul by a constant [E, H] matrix R that is the word lookup's only reader, when the table is
     * stored as two factors (L [V, E] gathered, then times R): what {@code factorize --embedding-rank}
     * writes and the search's low-rank word tables are.
     */
    private Optional<Node> rightFactor(String lookup) {
        List<Node> users = g.users(lookup);
        if (users.size() != 1 || !users.get(0).is("MatMul") || !users.get(0).input(0).equals(lookup)) {
            return Optional.empty();
        }
        Node matMul = users.get(0);
        return g.graph().constantValue(matMul.input(1))
                .filter(r -> r.rank() == 2 && r.type().isFloatingPoint())
                .map(r -> matMul);
    }

    /** L·R as one [V, H] table: its rank stays that of the factors, so factorizing it again at that rank is exact. */
    private static Tensor product(Tensor left, Tensor right) {
        int v = Math.toIntExact(left.dim(0));
        int e = Math.toIntExact(left.dim(1));
        int h = Math.toIntExact(right.dim(1));
        if (right.dim(0) != e) {
            throw new PatternMismatch("embeddings: the word table's factors do not chain: " + left.name() + " is "
                    + java.util.Arrays.toString(left.shape()) + ", " + right.name() + " is "
                    + java.util.Arrays.toString(right.shape()));
        }
        float[] l = left.toFloats();
        float[] r = right.toFloats();
        float[] out = new float[v * h];
        for (int i = 0; i < v; i++) {
            for (int k = 0; k < e; k++) {
                float a = l[i * e + k];
                for (int j = 0; j < h; j++) {
                    out[i * h + j] += a * r[k * h + j];
                }
            }
        }
        return Tensor.ofFloats(left.name(), new long[] {v, h}, out);
    }

    private static void requireOnePositionTable(Optional<Tensor> position, Node gather) {
        if (position.isPresent()) {
            throw new PatternMismatch("embeddings: a second position table at Gather '" + gather.name() + "'");
        }
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

    /** Position ids 0, 1, ..., S-1: a leading Slice (or the whole) of a constant arange. */
    private boolean isArange(String ids) {
        Optional<Node> slice = g.producer(ids).filter(p -> p.is("Slice"));
        String source = slice.map(s -> s.input(0)).orElse(ids);
        // a vector or [1, n] buffer (a scalar 0 is a constant token type, not a range)
        Optional<Tensor> table = g.constant(source).filter(t -> t.type().isInteger() && t.rank() >= 1);
        boolean startsAtZero = slice.isEmpty() || g.constant(slice.get().input(1))
                .filter(t -> t.numElements() == 1 && t.toLongs()[0] == 0).isPresent();
        if (table.isEmpty() || !startsAtZero) {
            return false;
        }
        long[] v = table.get().toLongs();
        for (int i = 0; i < v.length; i++) {
            if (v[i] != i) {
                return false;
            }
        }
        return true;
    }

    /**
     * RoBERTa's create_position_ids_from_input_ids, as exporters write it: m = ids != pad (Equal,
     * Not, Cast); positions = cumsum(m, axis 1) * m + pad, Casts and an Add of 0 (past length)
     * anywhere between. Returns the padding index, or empty when {@code ids} is not that.
     */
    private OptionalLong paddingPositions(String ids, String inputIds) {
        Optional<Node> addPad = g.producer(throughCasts(ids)).filter(p -> p.is("Add"));
        if (addPad.isEmpty()) {
            return OptionalLong.empty();
        }
        for (int i = 0; i < 2; i++) {
            OptionalLong pad = integerScalar(addPad.get().input(i));
            Optional<Node> mul = g.producer(throughCasts(addPad.get().input(1 - i))).filter(p -> p.is("Mul"));
            if (pad.isPresent() && mul.isPresent()) {
                for (int j = 0; j < 2; j++) {
                    Optional<Node> mask = notPadding(mul.get().input(j), inputIds, pad.getAsLong());
                    Optional<Node> cumsum = g.producer(throughAddZero(throughCasts(mul.get().input(1 - j))))
                            .filter(p -> p.is("CumSum") && integerScalar(p.input(1)).equals(OptionalLong.of(1)));
                    if (mask.isPresent() && cumsum.isPresent()
                            && notPadding(cumsum.get().input(0), inputIds, pad.getAsLong()).isPresent()) {
                        return pad;
                    }
                }
            }
        }
        return OptionalLong.empty();
    }

    /** The Not of Equal(input ids, pad) that {@code value} is (through Casts), if it is. */
    private Optional<Node> notPadding(String value, String inputIds, long pad) {
        return g.producer(throughCasts(value)).filter(n -> n.is("Not"))
                .filter(not -> g.producer(not.input(0)).filter(eq -> eq.is("Equal")
                        && (eq.input(0).equals(inputIds) && integerScalar(eq.input(1)).equals(OptionalLong.of(pad))
                        || eq.input(1).equals(inputIds) && integerScalar(eq.input(0)).equals(OptionalLong.of(pad))))
                        .isPresent());
    }

    /**
     * Token type ids that are constant zeros (RoBERTa's buffered token_type_ids when the graph has
     * no token-type input): a constant of zeros, or ConstantOfShape of 0, through Slice, Expand,
     * Unsqueeze, Reshape and Cast.
     */
    private boolean isConstantZeros(String ids) {
        String v = ids;
        Optional<Node> p;
        while ((p = g.producer(v)).isPresent() && p.get().inputs().size() >= 1
                && (p.get().is("Slice") || p.get().is("Expand") || p.get().is("Unsqueeze") || p.get().is("Reshape")
                || p.get().is("Cast"))) {
            v = p.get().input(0);
        }
        Optional<Tensor> constant = g.constant(v).filter(t -> t.type().isInteger());
        if (constant.isPresent()) {
            return java.util.Arrays.stream(constant.get().toLongs()).allMatch(x -> x == 0);
        }
        // ConstantOfShape without a value fills with 0
        return g.producer(v).filter(n -> n.is("ConstantOfShape"))
                .map(n -> n.tensorAttribute("value").map(t -> t.toFloats()[0] == 0).orElse(true)).orElse(false);
    }

    private String throughCasts(String value) {
        String v = value;
        Optional<Node> p;
        while ((p = g.producer(v)).isPresent() && p.get().is("Cast")) {
            v = p.get().input(0);
        }
        return v;
    }

    /** Past an Add of the constant 0 (RoBERTa's past_key_values_length in an export without a cache), and Casts. */
    private String throughAddZero(String value) {
        Optional<Node> add = g.producer(value).filter(p -> p.is("Add"));
        if (add.isPresent()) {
            for (int i = 0; i < 2; i++) {
                if (integerScalar(add.get().input(i)).equals(OptionalLong.of(0))) {
                    return throughCasts(add.get().input(1 - i));
                }
            }
        }
        return value;
    }

    /** An integer constant with one element. */
    private OptionalLong integerScalar(String value) {
        return g.constant(value).filter(t -> t.numElements() == 1 && t.type().isInteger())
                .map(t -> OptionalLong.of(t.toLongs()[0])).orElse(OptionalLong.empty());
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
