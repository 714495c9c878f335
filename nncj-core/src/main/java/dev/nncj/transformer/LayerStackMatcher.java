package dev.nncj.transformer;

import dev.nncj.onnx.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Matches the encoder layers along the residual stream, starting where the embeddings end.
 * Post-norm layers (BERT): attention, residual Add, LayerNorm, FFN, residual Add, LayerNorm.
 * Pre-norm layers: LayerNorm, attention, residual Add of the layer input, LayerNorm, FFN, residual
 * Add, then an optional final LayerNorm after the last layer. Which one is read from whether the
 * first layer's Q/K/V projections read the stream or a LayerNorm of it.
 */
final class LayerStackMatcher {
    /**
     * @param hidden    the last hidden state (after the final LayerNorm of a pre-norm stack)
     * @param maskValue the additive mask value c of (1 - mask) * c, shared by every layer
     */
    record Matched(List<EncoderLayer> layers, NormPlacement placement, Optional<LayerNormSpec> finalNorm,
                   Optional<Float> maskValue, String hidden) {}

    private final GraphView g;
    private final LayerNormMatcher norms;
    private final AttentionMatcher attention;
    private final FeedForwardMatcher ffn;
    private final List<EncoderLayer> layers = new ArrayList<>();
    private Optional<Float> maskValue = Optional.empty();

    LayerStackMatcher(GraphView g, Optional<String> maskInput) {
        this.g = g;
        this.norms = new LayerNormMatcher(g);
        this.attention = new AttentionMatcher(g, maskInput);
        this.ffn = new FeedForwardMatcher(g);
    }

    /** Matches every layer from the stream {@code h}; call once. */
    Matched match(String h) {
        // POST: the Q/K/V projections read the stream itself. PRE: they read a LayerNorm of the
        // stream, and the residual Add adds the un-normalized stream back, h = h + Attn(LN1(h)).
        NormPlacement placement = !attention.startsAt(h) && preNormAttentionInput(norms, attention, h).isPresent()
                ? NormPlacement.PRE : NormPlacement.POST;
        g.recognized("norm placement", placement == NormPlacement.PRE ? "pre-norm" : "post-norm");
        Optional<LayerNormSpec> finalNorm = Optional.empty();
        if (placement == NormPlacement.PRE) {
            h = preNormLayers(h);
            // pre-norm stacks usually normalize once more after the last layer (the stream itself is
            // never normalized inside a layer); it is optional, so a stream that is already the graph
            // output or feeds the pooler directly has none
            boolean normalized = g.users(h).stream().anyMatch(n -> n.is("LayerNormalization") || n.is("ReduceMean"));
            if (normalized) {
                LayerNormMatcher.Matched fin = norms.match(h, "final LayerNorm (pre-norm)");
                finalNorm = Optional.of(fin.spec());
                h = fin.output();
            }
        } else {
            h = postNormLayers(h);
        }
        if (layers.isEmpty()) {
            throw new PatternMismatch("no attention layer: expected Q, K and V MatMuls reading the embedding"
                    + " LayerNorm at " + g.describe(h) + ", found " + GraphView.opsOf(g.users(h)));
        }
        return new Matched(layers, placement, finalNorm, maskValue, h);
    }

    private String preNormLayers(String h) {
        Optional<LayerNormMatcher.Matched> ln1;
        while ((ln1 = preNormAttentionInput(norms, attention, h)).isPresent()) {
            String where = "layer " + layers.size() + ": ";
            AttentionMatcher.Matched a = attention(ln1.get().output(), where);
            // h + Attn(LN1(h)): the residual adds the layer input, not its normalized copy
            String afterAttention = residual(a.output(), h, where + "attention");
            LayerNormMatcher.Matched ln2 = norms.match(afterAttention, where + "FFN LayerNorm (pre-norm)");
            FeedForwardMatcher.Matched f = ffn.match(ln2.output(), where);
            // h + FFN(LN2(h))
            h = residual(f.output(), afterAttention, where + "FFN");
            layers.add(new EncoderLayer(a.spec(), ln1.get().spec(), f.spec(), ln2.spec()));
        }
        return h;
    }

    private String postNormLayers(String h) {
        while (attention.startsAt(h)) {
            String where = "layer " + layers.size() + ": ";
            AttentionMatcher.Matched a = attention(h, where);
            String afterAttention = residual(a.output(), h, where + "attention");
            LayerNormMatcher.Matched ln1 = norms.match(afterAttention, where + "attention LayerNorm");
            FeedForwardMatcher.Matched f = ffn.match(ln1.output(), where);
            String afterFfn = residual(f.output(), ln1.output(), where + "FFN");
            LayerNormMatcher.Matched ln2 = norms.match(afterFfn, where + "output LayerNorm");
            layers.add(new EncoderLayer(a.spec(), ln1.spec(), f.spec(), ln2.spec()));
            h = ln2.output();
        }
        return h;
    }

    /** One layer's attention; every layer must use the first layer's mask value. */
    private AttentionMatcher.Matched attention(String x, String where) {
        AttentionMatcher.Matched a = attention.match(x, where);
        if (a.maskValue().isPresent() && maskValue.isPresent() && !a.maskValue().equals(maskValue)) {
            throw new PatternMismatch(where + "attention mask value " + a.maskValue().get()
                    + " differs from the first layer's " + maskValue.get());
        }
        maskValue = maskValue.or(a::maskValue);
        return a;
    }

    /**
     * The pre-norm attention input LN1(h): a LayerNorm reading the stream {@code h} whose output
     * feeds Q/K/V projections, with {@code h} also read by something else (the residual Add).
     * Empty when {@code h} is not normalized or the norm's output is not an attention input.
     */
    static Optional<LayerNormMatcher.Matched> preNormAttentionInput(LayerNormMatcher norms,
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
    private String residual(String branch, String stream, String where) {
        Node add = g.onlyUser(branch, "Add", where + " residual");
        if (!g.other(add, branch, where).equals(stream)) {
            throw new PatternMismatch(where + " residual: Add '" + add.name() + "' does not add the layer input "
                    + g.describe(stream));
        }
        return add.output(0);
    }
}
