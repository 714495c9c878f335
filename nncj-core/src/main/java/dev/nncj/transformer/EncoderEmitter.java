package dev.nncj.transformer;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.NameScope;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Writes an {@link EncoderSpec} as a clean ONNX graph (opset 17) with the original's inputs and
 * outputs. Each layer gets its own head count and FFN width from its spec, so pruned and
 * reordered encoders need nothing special. Shapes are static where they can be (Reshape to
 * [0, 0, heads, d], 0 meaning "copy that dim"), so no Shape/Gather/Concat chains are emitted.
 *
 * <p>What ORT 1.23's CPU optimizer does with it (checked by saving its optimized model): the
 * decomposed erf GELU after a bias Add becomes BiasGelu, LayerNormalization stays one kernel, and
 * with {@link EmitOptions.AttentionStyle#FUSED} each layer's attention is one
 * com.microsoft.Attention with Q/K/V packed into one [H, 3 * heads * d] weight.
 *
 * <p>Scalar constants are Constant nodes, not initializers, so the emitted parameter count is
 * exactly {@link EncoderSpec#parameterCount()}, except that a tensor object appearing several
 * times in the spec (layers sharing weights, ALBERT style) is written once, as one initializer all
 * its uses read, named after its first use: the file holds each shared weight once, and training
 * (one initializer is one parameter) keeps the uses tied.
 */
public final class EncoderEmitter {
    static final long OPSET = 17;

    private final EncoderSpec spec;
    private final EmitOptions options;
    private final GraphBuilder b = new GraphBuilder("encoder", OPSET);
    private int constants;
    /** Tensors already written, by identity: a spec shares a weight by reusing the same object. */
    private final java.util.Map<Tensor, String> written = new java.util.IdentityHashMap<>();
    /** Packed Q/K/V of FUSED attention, per attention object, so shared layers share the packed weight too. */
    private final java.util.Map<AttentionSpec, String[]> packedQkv = new java.util.IdentityHashMap<>();

    private EncoderEmitter(EncoderSpec spec, EmitOptions options) {
        this.spec = spec;
        this.options = options;
        b.opset("com.microsoft", 1);
    }

    public static OnnxModel emit(EncoderSpec spec, EmitOptions options) {
        return new EncoderEmitter(spec, options).build();
    }

    private OnnxModel build() {
        EncoderInterface io = spec.io();
        for (ValueInfoProto in : io.inputs()) {
            b.graph().addInput(in);
        }
        String h = embeddings(io);
        String maskAdd = null;
        String maskIndex = null;
        if (io.attentionMask().isPresent()) {
            String mask = io.attentionMask().get();
            if (options.attention() == EmitOptions.AttentionStyle.FUSED) {
                maskIndex = cast(mask, DataType.INT32);
            } else {
                // additive mask [B, 1, 1, S]: (1 - mask) * maskValue, as the original computes it
                String m = b.op("Unsqueeze", cast(mask, DataType.FLOAT), longs(1, 2));
                maskAdd = b.op("Mul", b.op("Sub", scalar(1f), m), scalar(spec.maskValue()));
            }
        }
        List<EncoderLayer> layers = spec.layers();
        for (int i = 0; i < layers.size(); i++) {
            EncoderLayer layer = layers.get(i);
            String prefix = "layer." + i + ".";
            String x = spec.normPlacement() == NormPlacement.PRE ? layerNorm(h, layer.attentionNorm(), prefix + "attention_norm") : h;
            String context = options.attention() == EmitOptions.AttentionStyle.FUSED
                    ? fusedAttention(x, layer.attention(), maskIndex, prefix)
                    : plainAttention(x, layer.attention(), maskAdd, prefix, i);
            if (options.exposeInternals()) {
                context = tap(context, EmitOptions.contextOutput(i), layer.attention().heads() * layer.attention().headSize());
            }
            String a = b.op("Add", linear(context, layer.attention().output(), prefix + "attention.output"), h);
            h = spec.normPlacement() == NormPlacement.POST ? layerNorm(a, layer.attentionNorm(), prefix + "attention_norm") : a;
            x = spec.normPlacement() == NormPlacement.PRE ? layerNorm(h, layer.ffnNorm(), prefix + "ffn_norm") : h;
            String act = activation(linear(x, layer.ffn().up(), prefix + "ffn.up"), layer.ffn().activation());
            if (options.unitMasks()) {
                String mask = b.input(EmitOptions.neuronMaskInput(i), DataType.FLOAT, "batch", layer.ffn().width());
                act = b.op("Mul", act, b.op("Unsqueeze", mask, longs(1)));
            }
            if (options.exposeInternals()) {
                act = tap(act, EmitOptions.activationOutput(i), layer.ffn().width());
            }
            String f = b.op("Add", linear(act, layer.ffn().down(), prefix + "ffn.down"), h);
            h = spec.normPlacement() == NormPlacement.POST ? layerNorm(f, layer.ffnNorm(), prefix + "ffn_norm") : f;
        }
        if (spec.finalNorm().isPresent()) {
            h = layerNorm(h, spec.finalNorm().get(), "final_norm");
        }
        // the hidden output is named first: naming renames its producer's output, which the pooler reads
        Optional<ValueInfoProto> hiddenOutput = io.outputs().stream()
                .filter(o -> o.getName().equals(io.hiddenOutput())).findFirst();
        String hidden = hiddenOutput.isPresent()
                ? b.output(h, io.hiddenOutput(), DataType.FLOAT, dims(hiddenOutput.get()))
                : h;
        for (ValueInfoProto out : io.outputs()) {
            if (out.getName().equals(io.hiddenOutput())) {
                continue;
            } else if (io.poolerOutput().equals(Optional.of(out.getName()))) {
                Node first = b.node("Gather", hidden, longScalar(0));
                first.set("axis", 1L);
                String pooled = b.op("Tanh", linear(first.output(0), spec.pooler().orElseThrow().dense(), "pooler"));
                b.output(pooled, out.getName(), DataType.FLOAT, dims(out));
            }
        }
        if (spec.head().isPresent()) {
            attachHead(spec.head().get().at(OPSET), hidden);
        }
        // the original's outputs in the original's order, then any taps
        List<String> names = io.outputs().stream().map(ValueInfoProto::getName).toList();
        List<ValueInfoProto> ordered = new java.util.ArrayList<>();
        names.forEach(n -> b.graph().outputs().stream().filter(o -> o.getName().equals(n)).forEach(ordered::add));
        b.graph().outputs().stream().filter(o -> !names.contains(o.getName())).forEach(ordered::add);
        b.graph().setOutputs(ordered);
        OnnxModel model = b.build();
        model.setProducer("nncj", dev.nncj.provenance.Provenance.version());
        return model;
    }

    /**
     * Writes the task head on top of {@code hidden}, as it was. Its names are kept where the new
     * graph does not use them already (its outputs always: they are the model's interface).
     */
    private void attachHead(TaskHead head, String hidden) {
        Graph g = b.graph();
        NameScope names = g.nameScope();
        Set<String> outputs = head.outputs().stream().map(ValueInfoProto::getName).collect(Collectors.toSet());
        outputs.forEach(names::fresh);
        Map<String, String> renamed = new HashMap<>();
        renamed.put(head.hiddenInput(), hidden);
        for (Tensor t : head.initializers()) {
            String name = names.fresh(t.name());
            renamed.put(t.name(), name);
            g.addInitializer(t.withName(name));
        }
        List<Node> nodes = head.nodes();
        for (Node n : nodes) {
            for (int i = 0; i < n.outputs().size(); i++) {
                String out = n.output(i);
                if (!outputs.contains(out)) {
                    renamed.put(out, names.fresh(out));
                    n.setOutput(i, renamed.get(out));
                }
            }
        }
        for (Node n : nodes) {
            for (int i = 0; i < n.inputs().size(); i++) {
                n.setInput(i, renamed.getOrDefault(n.input(i), n.input(i)));
            }
            n.rename(names.fresh(n.name()));
            g.addNode(n);
        }
        head.outputs().forEach(g::addOutput);
    }

    /**
     * project(LN(word[ids] + tokenType[types] + position[position ids])), each part where the spec
     * has it; token type 0 for every token when the graph has no token-type input.
     */
    private String embeddings(EncoderInterface io) {
        Embeddings e = spec.embeddings();
        String x = b.op("Gather", init(e.word(), "embeddings.word"), io.inputIds());
        if (e.tokenType().isPresent()) {
            String types = io.tokenTypeIds().orElseGet(() -> longScalar(0));
            x = b.op("Add", x, b.op("Gather", init(e.tokenType().get(), "embeddings.token_type"), types));
        }
        if (e.position().isPresent()) {
            x = b.op("Add", x, positionEmbeddings(e, io.inputIds()));
        }
        // no embedding LayerNorm (pre-norm stacks without one): the raw sum is the residual stream
        x = e.norm().isPresent() ? layerNorm(x, e.norm().get(), "embeddings.norm") : x;
        return e.projection().isPresent() ? linear(x, e.projection().get(), "embeddings.project") : x;
    }

    /**
     * Positions 0..S-1 by slicing the table to S rows; or, counted from the padding mask as
     * RoBERTa does, Gather(table, pad + cumsum(ids != pad) * (ids != pad)), exactly for any padding.
     */
    private String positionEmbeddings(Embeddings e, String ids) {
        String table = init(e.position().get(), "embeddings.position");
        if (e.paddingIdx().isPresent()) {
            long pad = e.paddingIdx().getAsLong();
            String real = cast(b.op("Not", b.op("Equal", ids, longScalar(pad))), DataType.INT64);
            String counted = b.op("Mul", b.op("CumSum", real, longScalar(1)), real);
            return b.op("Gather", table, b.op("Add", counted, longScalar(pad)));
        }
        Node seqLen = b.node("Shape", ids);
        seqLen.set("start", 1L).set("end", 2L);
        return b.op("Slice", table, longs(0), seqLen.output(0), longs(0));
    }

    /** softmax(Q K^T * scale + mask) V per head, heads merged back to [B, S, heads * d]. */
    private String plainAttention(String x, AttentionSpec a, String maskAdd, String prefix, int layer) {
        String split = longs(0, 0, a.heads(), a.headSize());
        String q = transpose(b.op("Reshape", linear(x, a.query(), prefix + "attention.query"), split), 0, 2, 1, 3);
        String k = transpose(b.op("Reshape", linear(x, a.key(), prefix + "attention.key"), split), 0, 2, 3, 1);
        String v = transpose(b.op("Reshape", linear(x, a.value(), prefix + "attention.value"), split), 0, 2, 1, 3);
        String scores = b.op("Mul", b.op("MatMul", q, k), scalar(a.scale()));
        if (maskAdd != null) {
            scores = b.op("Add", scores, maskAdd);
        }
        Node softmax = b.node("Softmax", scores);
        softmax.set("axis", -1L);
        String context = transpose(b.op("MatMul", softmax.output(0), v), 0, 2, 1, 3);
        if (options.unitMasks()) {
            // [B, heads] -> [B, 1, heads, 1] against the context's [B, S, heads, d]
            String mask = b.input(EmitOptions.headMaskInput(layer), DataType.FLOAT, "batch", a.heads());
            context = b.op("Mul", context, b.op("Unsqueeze", mask, longs(1, 3)));
        }
        return b.op("Reshape", context, longs(0, 0, (long) a.heads() * a.headSize()));
    }

    /** com.microsoft.Attention: the same function with Q/K/V packed as [H, 3 * heads * d]. */
    private String fusedAttention(String x, AttentionSpec a, String maskIndex, String prefix) {
        String[] qkv = packedQkv.computeIfAbsent(a, spec -> packQkv(spec, prefix));
        String weights = qkv[0];
        String biases = qkv[1];
        Node att = maskIndex == null ? b.node("com.microsoft", "Attention", 1, x, weights, biases)
                : b.node("com.microsoft", "Attention", 1, x, weights, biases, maskIndex);
        att.set("num_heads", (long) a.heads());
        att.set("scale", a.scale());
        att.set("mask_filter_value", spec.maskValue());
        return att.output(0);
    }

    /** Q/K/V weights packed as [H, 3 * heads * d] and biases as [3 * heads * d]: the two initializer names. */
    private String[] packQkv(AttentionSpec a, String prefix) {
        int in = a.query().in();
        int w = a.heads() * a.headSize();
        float[] q = a.query().weight().toFloats();
        float[] k = a.key().weight().toFloats();
        float[] v = a.value().weight().toFloats();
        float[] packed = new float[in * 3 * w];
        for (int r = 0; r < in; r++) {
            System.arraycopy(q, r * w, packed, r * 3 * w, w);
            System.arraycopy(k, r * w, packed, r * 3 * w + w, w);
            System.arraycopy(v, r * w, packed, r * 3 * w + 2 * w, w);
        }
        float[] bias = new float[3 * w];
        System.arraycopy(a.query().bias().toFloats(), 0, bias, 0, w);
        System.arraycopy(a.key().bias().toFloats(), 0, bias, w, w);
        System.arraycopy(a.value().bias().toFloats(), 0, bias, 2 * w, w);
        return new String[] {
            b.initializer(Tensor.ofFloats(prefix + "attention.qkv.weight", new long[] {in, 3L * w}, packed)),
            b.initializer(Tensor.ofFloats(prefix + "attention.qkv.bias", new long[] {3L * w}, bias))};
    }

    private String activation(String u, Activation act) {
        return switch (act) {
            case RELU -> b.op("Relu", u);
            // x * 0.5 * (1 + erf(x / sqrt 2)), PyTorch's order, which ORT fuses into BiasGelu
            case GELU_ERF -> b.op("Mul", b.op("Mul", u, b.op("Add", b.op("Erf", b.op("Div", u, scalar((float) Math.sqrt(2)))),
                    scalar(1f))), scalar(0.5f));
            // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
            case GELU_TANH -> {
                String cube = b.op("Mul", b.op("Mul", u, u), u);
                String inner = b.op("Mul", b.op("Add", u, b.op("Mul", cube, scalar(0.044715f))),
                        scalar((float) Math.sqrt(2 / Math.PI)));
                yield b.op("Mul", b.op("Mul", u, scalar(0.5f)), b.op("Add", b.op("Tanh", inner), scalar(1f)));
            }
        };
    }

    private String linear(String x, Linear l, String name) {
        String y = b.op("MatMul", x, init(l.weight(), name + ".weight"));
        return b.op("Add", y, init(l.bias(), name + ".bias"));
    }

    private String layerNorm(String x, LayerNormSpec ln, String name) {
        Node n = b.node("LayerNormalization", x, init(ln.gamma(), name + ".gamma"), init(ln.beta(), name + ".beta"));
        n.set("axis", -1L).set("epsilon", ln.epsilon());
        return n.output(0);
    }

    /** Makes {@code value} also a graph output named {@code name}, through an Identity. */
    private String tap(String value, String name, int width) {
        String copy = b.op("Identity", value);
        b.output(copy, name, DataType.FLOAT, "batch", "sequence", width);
        return value;
    }

    private String transpose(String x, long... perm) {
        Node t = b.node("Transpose", x);
        t.set("perm", perm);
        return t.output(0);
    }

    private String cast(String x, DataType to) {
        Node c = b.node("Cast", x);
        c.set("to", (long) to.code());
        return c.output(0);
    }

    private String init(Tensor t, String name) {
        return written.computeIfAbsent(t, tensor -> b.initializer(tensor.withName(name)));
    }

    private String scalar(float value) {
        Node c = b.node("Constant");
        c.set("value", Tensor.ofFloats("c" + constants++, new long[0], value));
        return c.output(0);
    }

    private String longs(long... values) {
        Node c = b.node("Constant");
        c.set("value", Tensor.ofLongs("c" + constants++, new long[] {values.length}, values));
        return c.output(0);
    }

    private String longScalar(long value) {
        Node c = b.node("Constant");
        c.set("value", Tensor.scalar("c" + constants++, value));
        return c.output(0);
    }

    private static Object[] dims(ValueInfoProto v) {
        return v.getType().getTensorType().getShape().getDimList().stream()
                .map(d -> d.hasDimValue() ? (Object) d.getDimValue() : d.hasDimParam() ? d.getDimParam() : null)
                .toArray();
    }
}
