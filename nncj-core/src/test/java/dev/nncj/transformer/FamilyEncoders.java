package dev.nncj.transformer;

import static dev.nncj.transformer.TinyEncoders.HIDDEN;
import static dev.nncj.transformer.TinyEncoders.POSITIONS;

import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Tiny encoders of the BERT family beyond BERT, as their PyTorch exports write them, on
 * {@link TinyEncoders}' layers (hidden 8, 2 heads of 4, FFN 16, PYTORCH style):
 * <ul>
 * <li>DistilBERT: no token types, word + position 0..S-1, the masked_fill (Where) mask;</li>
 * <li>RoBERTa / XLM-R: no token-type input (a 1-row table indexed by buffered zeros), positions
 * padding_idx + cumsum(ids != padding_idx) * (ids != padding_idx) from a table of
 * {@value #POSITION_ROWS} rows;</li>
 * <li>ELECTRA: embeddings of width {@value #EMBEDDING}, LayerNorm, then embeddings_project to 8;</li>
 * <li>ALBERT: the same factorized embeddings, and one set of layer weights read by every layer;</li>
 * </ul>
 * and fragments of what NNCJ refuses: rotary Q/K and a gated FFN (ModernBERT), relative-position
 * scores (DeBERTa), each written into a TinyEncoders graph.
 */
public final class FamilyEncoders {
    /** ELECTRA's and ALBERT's embedding width E, below the hidden width. */
    public static final int EMBEDDING = 6;
    /** RoBERTa's padding_idx: TinyTokenizer's [PAD]. */
    static final long PAD = 1;
    /** RoBERTa's position table: max positions + padding_idx + 1 rows. */
    static final int POSITION_ROWS = POSITIONS + (int) PAD + 1;
    /** The seed of ALBERT's one layer. */
    private static final long ALBERT_LAYER_SEED = 7;

    public enum Family { DISTILBERT, ROBERTA, ELECTRA, ALBERT }

    private FamilyEncoders() {}

    public static OnnxModel build(Family family, List<Long> layerSeeds) {
        return switch (family) {
            case DISTILBERT -> TinyEncoders.build((t, ids, types) -> t.layerNorm(t.embeddingSum(ids, types, HIDDEN), HIDDEN),
                    false, true, layerSeeds);
            case ROBERTA -> TinyEncoders.build(FamilyEncoders::robertaEmbeddings, false, false, layerSeeds);
            case ELECTRA -> TinyEncoders.build(FamilyEncoders::factorizedEmbeddings, true, false, layerSeeds);
            // every layer from one seed, then one initializer per distinct weight: ALBERT's shared layer
            case ALBERT -> tieIdenticalInitializers(TinyEncoders.build(FamilyEncoders::factorizedEmbeddings, true, false,
                    java.util.Collections.nCopies(layerSeeds.size(), ALBERT_LAYER_SEED)));
        };
    }

    /** ELECTRA and ALBERT: project(LN(word + token type + position)), tables E wide. */
    private static String factorizedEmbeddings(TinyEncoders t, String ids, Optional<String> types) {
        return t.linear(t.layerNorm(t.embeddingSum(ids, types, EMBEDDING), EMBEDDING), EMBEDDING, HIDDEN);
    }

    /** RoBERTa's embeddings as transformers' legacy ONNX export writes them. */
    private static String robertaEmbeddings(TinyEncoders t, String ids, Optional<String> types) {
        GraphBuilder b = t.builder();
        String x = b.op("Gather", t.init("word", TinyTokenizer.VOCABULARY_SIZE, HIDDEN), ids);
        // token_type_ids: the zeros buffer [1, max positions] sliced to S and expanded to [B, S]
        String zeros = b.initializer(Tensor.ofLongs(t.fresh("token_type_ids"), new long[] {1, POSITIONS}, new long[POSITIONS]));
        String seqLen = t.unsqueeze(t.gatherDim(ids, 1), 0);
        String buffered = b.op("Slice", zeros, t.longs(0), seqLen, t.longs(1), t.longs(1));
        String expanded = b.op("Expand", buffered, b.op("Shape", ids));
        x = b.op("Add", x, b.op("Gather", t.init("token_type", 1, HIDDEN), expanded));
        // create_position_ids_from_input_ids: mask = ids.ne(pad).int();
        // (cumsum(mask, 1).type_as(mask) + 0) * mask, .long() + pad
        String pad = b.initializer(Tensor.scalar(t.fresh("pad"), PAD));
        String mask = cast(t, b.op("Not", b.op("Equal", ids, pad)), DataType.INT32);
        String cumsum = cast(t, b.op("CumSum", mask, b.initializer(Tensor.ofInts(t.fresh("axis"), new long[0], 1))),
                DataType.INT32);
        String incremental = b.op("Mul", b.op("Add", cumsum, b.initializer(Tensor.ofInts(t.fresh("past"), new long[0], 0))), mask);
        String positions = b.op("Add", cast(t, incremental, DataType.INT64), pad);
        x = b.op("Add", x, b.op("Gather", t.init("position", POSITION_ROWS, HIDDEN), positions));
        return t.layerNorm(x, HIDDEN);
    }

    private static String cast(TinyEncoders t, String x, DataType to) {
        String out = t.builder().op("Cast", x);
        t.last().set("to", (long) to.code());
        return out;
    }

    /** Initializers of equal type, shape and bytes become one, read by every former user (ALBERT's export). */
    static OnnxModel tieIdenticalInitializers(OnnxModel model) {
        Graph g = model.graph();
        Map<String, String> firstByContent = new HashMap<>();
        for (Tensor t : List.copyOf(g.initializers().values())) {
            byte[] raw = new byte[t.rawData().remaining()];
            t.rawData().duplicate().get(raw);
            String key = t.type() + java.util.Arrays.toString(t.shape()) + Base64.getEncoder().encodeToString(raw);
            String first = firstByContent.putIfAbsent(key, t.name());
            if (first != null) {
                g.replaceAllUses(t.name(), first);
                g.removeInitializer(t.name());
            }
        }
        return model;
    }

    /**
     * ModernBERT's rotary positions in layer 0 of a pre-norm encoder: Q rotated as
     * q * cos + rotate_half(q) * sin, rotate_half(q) = Concat(-q[..., d/2:], q[..., :d/2]), the tables
     * Cos and Sin of constant angles (structure only: the angles do not depend on the position).
     */
    static OnnxModel rotaryFragment() {
        OnnxModel model = TinyEncoders.buildPreNorm(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        Graph g = model.graph();
        Node scores = g.nodes().stream().filter(n -> n.is("MatMul") && g.constantValue(n.input(1)).isEmpty())
                .findFirst().orElseThrow();
        String q = scores.input(0);
        int half = TinyEncoders.HEAD_SIZE / 2;
        Surgery s = new Surgery(g, scores, "rotary");
        String angles = s.initializer(Tensor.ofFloats("rotary.angles", new long[] {TinyEncoders.HEAD_SIZE}, 0.1f, 0.2f, 0.3f, 0.4f));
        String first = s.op("Slice", q, s.longs(0), s.longs(half), s.longs(-1));
        String second = s.op("Slice", q, s.longs(half), s.longs(TinyEncoders.HEAD_SIZE), s.longs(-1));
        String rotated = s.op("Concat", s.op("Neg", second), first);
        s.last().set("axis", -1L);
        String q2 = s.op("Add", s.op("Mul", q, s.op("Cos", angles)), s.op("Mul", rotated, s.op("Sin", angles)));
        scores.setInput(0, q2);
        return model;
    }

    /**
     * ModernBERT's gated FFN (GeGLU) in layer 0 of a pre-norm encoder: the up projection doubled to
     * 2F, Split into halves a and gate, GELU(a) * gate into the down projection.
     */
    static OnnxModel gatedFfnFragment() {
        OnnxModel model = TinyEncoders.buildPreNorm(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        Graph g = model.graph();
        Node erfDiv = g.producer(firstNode(model, "Erf").input(0)).orElseThrow();
        String u = erfDiv.input(0);
        Node biasAdd = g.producer(u).orElseThrow();
        Node up = biasAdd.inputs().stream().map(g::producer).flatMap(Optional::stream).filter(n -> n.is("MatMul"))
                .findFirst().orElseThrow();
        String bias = biasAdd.inputs().stream().filter(g::isInitializer).findFirst().orElseThrow();
        g.replaceInitializer(doubledColumns(g.initializer(up.input(1)).orElseThrow()));
        g.replaceInitializer(doubledColumns(g.initializer(bias).orElseThrow().reshaped(1, TinyEncoders.FFN)).reshaped(2L * TinyEncoders.FFN));
        Node down = g.nodes().stream().filter(n -> n.is("MatMul") && g.initializer(n.input(1))
                .filter(w -> w.dim(0) == TinyEncoders.FFN && w.dim(1) == HIDDEN).isPresent()).findFirst().orElseThrow();
        String gelu = down.input(0);
        Surgery s = new Surgery(g, erfDiv, "geglu");
        String a = s.fresh("a");
        String gate = s.fresh("gate");
        g.replaceAllUses(u, a);
        Node split = Node.of(s.fresh("split"), "Split", List.of(u), List.of(a, gate));
        split.set("axis", -1L).set("split", new long[] {TinyEncoders.FFN, TinyEncoders.FFN});
        g.insertBefore(erfDiv, split);
        Node mul = Node.of(s.fresh("mul"), "Mul", List.of(gelu, gate), List.of(s.fresh("gated")));
        g.insertBefore(down, mul);
        down.setInput(0, mul.output(0));
        return model;
    }

    /**
     * DeBERTa's relative-position attention in layer 0: c2p = Q rel^T, gathered by relative
     * position (GatherElements) and added to the scores before the softmax (structure only).
     */
    static OnnxModel relativePositionFragment() {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        Graph g = model.graph();
        Node softmax = firstNode(model, "Softmax");
        Node scores = g.nodes().stream().filter(n -> n.is("MatMul") && g.constantValue(n.input(1)).isEmpty())
                .findFirst().orElseThrow();
        Surgery s = new Surgery(g, softmax, "relative");
        String rel = s.initializer(Tensor.ofFloats("rel_embeddings", new long[] {TinyEncoders.HEAD_SIZE, 2 * POSITIONS},
                new float[TinyEncoders.HEAD_SIZE * 2 * POSITIONS]));
        String c2p = s.op("MatMul", scores.input(0), rel);
        String index = s.initializer(Tensor.ofLongs("c2p_pos", new long[] {1, 1, 1, 1}, 0));
        String gathered = s.op("GatherElements", c2p, index);
        s.last().set("axis", -1L);
        String added = s.op("Add", softmax.input(0), gathered);
        softmax.setInput(0, added);
        return model;
    }

    /** [r, c] -> [r, 2c]: the columns twice (the second copy halved, so the halves differ). */
    private static Tensor doubledColumns(Tensor t) {
        int rows = (int) t.dim(0);
        int cols = (int) t.dim(1);
        float[] v = t.toFloats();
        float[] out = new float[rows * 2 * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r * 2 * cols + c] = v[r * cols + c];
                out[r * 2 * cols + cols + c] = v[r * cols + c] / 2;
            }
        }
        return Tensor.ofFloats(t.name(), new long[] {rows, 2L * cols}, out);
    }

    /** Nodes inserted into a built graph before an anchor node, with fresh names. */
    private static final class Surgery {
        private final Graph g;
        private final Node anchor;
        private final String prefix;
        private Node last;
        private int names;

        Surgery(Graph g, Node anchor, String prefix) {
            this.g = g;
            this.anchor = anchor;
            this.prefix = prefix;
        }

        String op(String opType, String... inputs) {
            last = Node.of(fresh(opType), opType, List.of(inputs), List.of(fresh(opType + "_out")));
            g.insertBefore(anchor, last);
            return last.output(0);
        }

        Node last() {
            return last;
        }

        String initializer(Tensor t) {
            g.addInitializer(t);
            return t.name();
        }

        String longs(long... values) {
            return initializer(Tensor.ofLongs(fresh("c"), new long[] {values.length}, values));
        }

        String fresh(String base) {
            return prefix + "." + base + "_" + names++;
        }
    }

    static Node firstNode(OnnxModel model, String opType) {
        return model.graph().nodes().stream().filter(n -> n.is(opType)).findFirst().orElseThrow();
    }
}
