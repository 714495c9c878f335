package dev.nncj.transformer;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.List;
import java.util.Optional;

/**
 * Matches ONNX Runtime's fused embeddings, as its transformer optimizer writes them
 * (fusion_embedlayer.py):
 * <pre>
 * EmbedLayerNormalization(input_ids, segment_ids?, word, position, segment?, gamma, beta, mask?, position_ids?)
 *   -> output = LN(word[ids] + position[0..S-1] + segment[segment_ids]), mask_index, embedding_sum?
 * </pre>
 * The id inputs are graph inputs, usually through a Cast to int32 (the kernel's index type). The
 * mask, when given, only feeds the mask_index output (each row's count of ones), which the
 * attention ops read. Positions must be the implicit 0..S-1 (or a constant input equal to it):
 * that is what {@link Embeddings} represents. An embedding_sum output that something reads (a
 * pre-norm stack fed the raw sum) is refused.
 */
final class EmbedLayerNormMatcher {
    private static final String OP = "EmbedLayerNormalization";

    private final GraphView g;

    EmbedLayerNormMatcher(GraphView g) {
        this.g = g;
    }

    /** The graph's fused embeddings, or empty when it has no EmbedLayerNormalization. */
    Optional<EmbeddingsMatcher.Matched> match() {
        List<Node> fused = g.graph().nodes().stream()
                .filter(n -> n.domain().equals("com.microsoft") && n.opType().equals(OP)).toList();
        if (fused.isEmpty()) {
            return Optional.empty();
        }
        Node eln = fused.get(0);
        String where = "embeddings: " + OP + " '" + eln.name() + "'";
        if (fused.size() > 1) {
            throw new PatternMismatch(where + " is one of " + fused.size() + "; expected one embedding layer");
        }
        String inputIds = graphInput(eln.input(0))
                .orElseThrow(() -> new PatternMismatch(where + ": input_ids is not a graph input"));
        Optional<String> tokenTypes = eln.input(1).isEmpty() ? Optional.empty()
                : Optional.of(graphInput(eln.input(1))
                        .orElseThrow(() -> new PatternMismatch(where + ": segment_ids is not a graph input")));
        Tensor word = table(eln.input(2), where, "word");
        Tensor position = table(eln.input(3), where, "position");
        Optional<Tensor> tokenType = eln.input(4).isEmpty() ? Optional.empty() : Optional.of(table(eln.input(4), where, "segment"));
        if (tokenType.isPresent() != tokenTypes.isPresent()) {
            throw new PatternMismatch(where + ": segment_ids and the segment table must come together");
        }
        if (!word.type().isFloatingPoint()) {
            throw new PatternMismatch("the word-embedding table '" + word.name() + "' is " + word.type().displayName()
                    + ": quantized models are not lifted (prune the float model, then quantize)");
        }
        requireImplicitPositions(eln.input(8), where);
        if (eln.outputs().size() > 2 && !eln.output(2).isEmpty() && !g.users(eln.output(2)).isEmpty()) {
            throw new PatternMismatch(where + ": its embedding_sum output is read (the raw sum as a pre-norm"
                    + " residual stream), which is not supported");
        }
        LayerNormSpec norm = new LayerNormSpec(vector(eln.input(5), where, "gamma"), vector(eln.input(6), where, "beta"),
                eln.floatAttribute("epsilon", 1e-12f));
        Optional<String> mask = eln.input(7).isEmpty() ? otherInput(inputIds, tokenTypes)
                : Optional.of(graphInput(eln.input(7))
                        .orElseThrow(() -> new PatternMismatch(where + ": its mask is not a graph input")));
        g.recognized("embeddings", "fused com.microsoft.EmbedLayerNormalization");
        String out = eln.output(0);
        return Optional.of(new EmbeddingsMatcher.Matched(new Embeddings(word, Optional.of(position), tokenType, norm),
                out, inputIds, tokenTypes, mask, out, out));
    }

    /** The graph input {@code value} is, directly or through Casts (ORT's kernel wants int32 ids). */
    private Optional<String> graphInput(String value) {
        String v = value;
        for (int steps = 0; steps < 4; steps++) {
            if (g.graph().isGraphInput(v)) {
                return Optional.of(v);
            }
            Optional<Node> cast = g.producer(v).filter(p -> p.is("Cast"));
            if (cast.isEmpty()) {
                return Optional.empty();
            }
            v = cast.get().input(0);
        }
        return Optional.empty();
    }

    /** Without a mask input on the fused node, the mask (if any) is the remaining graph input (read by the attention ops). */
    private Optional<String> otherInput(String inputIds, Optional<String> tokenTypes) {
        return g.graph().inputs().stream().map(ValueInfoProto::getName)
                .filter(n -> !n.equals(inputIds) && !tokenTypes.equals(Optional.of(n))).findFirst();
    }

    /** position_ids absent (the kernel uses 0..S-1) or a constant 0, 1, ..., n-1. */
    private void requireImplicitPositions(String positionIds, String where) {
        if (positionIds.isEmpty()) {
            return;
        }
        Optional<Tensor> ids = g.constant(positionIds).filter(t -> t.type().isInteger());
        long[] v = ids.map(Tensor::toLongs).orElse(null);
        boolean arange = v != null;
        for (int i = 0; v != null && i < v.length; i++) {
            arange &= v[i] == i;
        }
        if (!arange) {
            throw new PatternMismatch(where + ": its position_ids are not a constant 0..S-1");
        }
    }

    private Tensor table(String value, String where, String what) {
        return g.constant(value).filter(t -> t.rank() == 2)
                .orElseThrow(() -> new PatternMismatch(where + ": the " + what + " embedding table is not a constant matrix"));
    }

    private Tensor vector(String value, String where, String what) {
        return g.constant(value).filter(t -> t.rank() == 1 && t.type().isFloatingPoint())
                .orElseThrow(() -> new PatternMismatch(where + ": LayerNorm " + what + " is not a constant vector"));
    }
}
