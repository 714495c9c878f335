package dev.nncj.transformer;

import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Matches the encoder layers along the residual stream, starting where the embeddings end.
 * Post-norm layers (BERT): attention, residual Add, LayerNorm, FFN, residual Add, LayerNorm.
 * Pre-norm layers: LayerNorm, attention, residual Add of the layer input, LayerNorm, FFN, residual
 * Add, then an optional final LayerNorm after the last layer. Which one is read from whether the
 * first layer's Q/K/V projections read the stream or a LayerNorm of it.
 *
 * <p>A residual Add and the LayerNorm after it may be one com.microsoft.SkipLayerNormalization, as
 * ONNX Runtime's optimizers write it: LN(input + skip + bias) -> (y, mean, inv_std, sum), with the
 * branch's bias moved into the op (then the branch ends at its MatMul) and the sum output present
 * when a later residual reads it (pre-norm stacks: the next layer's LN1, or the final LayerNorm,
 * fused with the FFN residual).
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
    /** A pre-norm stack's final LayerNorm when a SkipLayerNormalization fused it with the last residual. */
    private Optional<LayerNormMatcher.Matched> fusedFinalNorm = Optional.empty();

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
            boolean normalized = fusedFinalNorm.isEmpty()
                    && g.users(h).stream().anyMatch(n -> n.is("LayerNormalization") || n.is("ReduceMean"));
            if (fusedFinalNorm.isPresent()) {
                finalNorm = Optional.of(fusedFinalNorm.get().spec());
                h = fusedFinalNorm.get().output();
            } else if (normalized) {
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
        Optional<LayerNormMatcher.Matched> ln1 = preNormAttentionInput(norms, attention, h);
        while (ln1.isPresent()) {
            String where = "layer " + layers.size() + ": ";
            AttentionMatcher.Matched a = attention(ln1.get().output(), where);
            // h + Attn(LN1(h)), then LN2 of it: the residual adds the layer input, not its normalized copy
            AddNorm r1 = addNorm(a.output(), h, where + "attention", where + "FFN LayerNorm (pre-norm)");
            String afterAttention = r1.requireSum(where + "attention");
            FeedForwardMatcher.Matched f = ffn.match(r1.norm().output(), where);
            // h + FFN(LN2(h)); a SkipLayerNormalization also normalizes that sum for what follows
            Optional<LayerNormMatcher.Matched> next = Optional.empty();
            Optional<Tensor> ffnBias = Optional.empty();
            if (skipNorm(f.output()).isPresent()) {
                AddNorm r2 = addNorm(f.output(), afterAttention, where + "FFN", where + "next LayerNorm (pre-norm)");
                next = Optional.of(r2.norm());
                ffnBias = r2.bias();
                h = r2.sum().orElse(null);
            } else {
                h = residual(f.output(), afterAttention, where + "FFN");
            }
            layers.add(new EncoderLayer(withOutputBias(a.spec(), r1.bias()), ln1.get().spec(),
                    withDownBias(f.spec(), ffnBias), r1.norm().spec()));
            if (next.isPresent() && !attention.startsAt(next.get().output())) {
                // the last residual fused with the final LayerNorm
                fusedFinalNorm = next;
                return next.get().output();
            }
            if (next.isPresent() && h == null) {
                throw new PatternMismatch(where + "FFN residual: SkipLayerNormalization after " + g.describe(f.output())
                        + " has no sum output for the next layer's residual");
            }
            ln1 = next.isPresent() ? next : preNormAttentionInput(norms, attention, h);
        }
        return h;
    }

    private String postNormLayers(String h) {
        while (attention.startsAt(h)) {
            String where = "layer " + layers.size() + ": ";
            AttentionMatcher.Matched a = attention(h, where);
            AddNorm r1 = addNorm(a.output(), h, where + "attention", where + "attention LayerNorm");
            FeedForwardMatcher.Matched f = ffn.match(r1.norm().output(), where);
            AddNorm r2 = addNorm(f.output(), r1.norm().output(), where + "FFN", where + "output LayerNorm");
            layers.add(new EncoderLayer(withOutputBias(a.spec(), r1.bias()), r1.norm().spec(),
                    withDownBias(f.spec(), r2.bias()), r2.norm().spec()));
            h = r2.norm().output();
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

    /**
     * The residual sum of a branch and the stream, and the LayerNorm of that sum.
     *
     * @param sum  the un-normalized sum, when the graph computes it
     * @param bias a bias SkipLayerNormalization adds to the branch: the bias of the branch's last linear
     */
    private record AddNorm(Optional<String> sum, LayerNormMatcher.Matched norm, Optional<Tensor> bias) {
        String requireSum(String where) {
            return sum.orElseThrow(() -> new PatternMismatch(where + " residual: the sum is not an output of the"
                    + " SkipLayerNormalization writing " + norm.output() + ", but the next residual needs it"));
        }
    }

    /** Residual Add then LayerNorm, as two ops or as one SkipLayerNormalization. */
    private AddNorm addNorm(String branch, String stream, String residualWhere, String normWhere) {
        Optional<Node> fused = skipNorm(branch);
        if (fused.isPresent()) {
            return skipLayerNorm(fused.get(), branch, stream, residualWhere);
        }
        String sum = residual(branch, stream, residualWhere);
        return new AddNorm(Optional.of(sum), norms.match(sum, normWhere), Optional.empty());
    }

    /** The SkipLayerNormalization that is the only reader of {@code branch}, if it is one. */
    private Optional<Node> skipNorm(String branch) {
        List<Node> users = g.users(branch);
        return users.size() == 1 && users.get(0).domain().equals("com.microsoft")
                && users.get(0).opType().equals("SkipLayerNormalization") ? Optional.of(users.get(0)) : Optional.empty();
    }

    /** SkipLayerNormalization(input, skip, gamma, beta?, bias?): the stream and the branch in either input. */
    private AddNorm skipLayerNorm(Node sln, String branch, String stream, String where) {
        String pattern = where + " residual: SkipLayerNormalization '" + sln.name() + "'";
        String other = sln.input(0).equals(branch) ? sln.input(1) : sln.input(0);
        if (!other.equals(stream)) {
            throw new PatternMismatch(pattern + " does not add the layer input " + g.describe(stream));
        }
        Tensor gamma = vector(sln.input(2), pattern, "gamma");
        int width = (int) gamma.dim(0);
        Tensor beta = sln.input(3).isEmpty() ? Tensor.ofFloats(gamma.name() + ".beta", new long[] {width}, new float[width])
                : vector(sln.input(3), pattern, "beta");
        Optional<Tensor> bias = sln.input(4).isEmpty() ? Optional.empty() : Optional.of(vector(sln.input(4), pattern, "bias"));
        if (beta.dim(0) != width || bias.filter(b -> b.dim(0) != width).isPresent()) {
            throw new PatternMismatch(pattern + ": gamma, beta and bias differ in length");
        }
        Optional<String> sum = sln.outputs().size() > 3 && !sln.output(3).isEmpty() ? Optional.of(sln.output(3)) : Optional.empty();
        // the op's documented default epsilon, what ORT's fusion writes when the LayerNorm had none
        LayerNormSpec spec = new LayerNormSpec(gamma, beta, sln.floatAttribute("epsilon", 1e-12f));
        g.recognized("LayerNorm", "fused com.microsoft.SkipLayerNormalization (residual Add + LayerNorm"
                + (bias.isPresent() ? " + bias)" : ")"));
        return new AddNorm(sum, new LayerNormMatcher.Matched(spec, sln.output(0)), bias);
    }

    private Tensor vector(String value, String pattern, String what) {
        return g.constant(value).filter(t -> t.rank() == 1 && t.type().isFloatingPoint())
                .orElseThrow(() -> new PatternMismatch(pattern + ": " + what + " is not a constant vector"));
    }

    private static AttentionSpec withOutputBias(AttentionSpec a, Optional<Tensor> bias) {
        return bias.isEmpty() ? a : new AttentionSpec(a.heads(), a.headSize(), a.query(), a.key(), a.value(),
                plusBias(a.output(), bias.get()), a.scale());
    }

    private static FeedForwardSpec withDownBias(FeedForwardSpec f, Optional<Tensor> bias) {
        return bias.isEmpty() ? f : new FeedForwardSpec(f.up(), plusBias(f.down(), bias.get()), f.activation());
    }

    /** x W + b, then + c added by the fused op: x W + (b + c). */
    private static Linear plusBias(Linear l, Tensor c) {
        float[] b = l.bias().toFloats();
        float[] extra = c.toFloats();
        if (extra.length != b.length) {
            throw new PatternMismatch("a fused bias of " + extra.length + " values follows a linear of " + b.length + " outputs");
        }
        for (int i = 0; i < b.length; i++) {
            b[i] += extra[i];
        }
        return new Linear(l.weight(), Tensor.ofFloats(l.bias().name(), new long[] {b.length}, b));
    }
}
