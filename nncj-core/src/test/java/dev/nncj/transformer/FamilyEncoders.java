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
final class FamilyEncoders {
    /** ELECTRA's and ALBERT's embedding width E, below the hidden width. */
    static final int EMBEDDING = 6;
    /** RoBERTa's padding_idx: TinyTokenizer's [PAD]. */
    static final long PAD = 1;
    /** RoBERTa's position table: max positions + padding_idx + 1 rows. */
    static final int POSITION_ROWS = POSITIONS + (int) PAD + 1;
    /** The seed of ALBERT's one layer. */
    private static final long ALBERT_LAYER_SEED = 7;

    enum Family { DISTILBERT, ROBERTA, ELECTRA, ALBERT }

    private FamilyEncoders() {}

    static OnnxModel build(Family family, List<Long> layerSeeds) {
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

    static Node firstNode(OnnxModel model, String opType) {
        return model.graph().nodes().stream().filter(n -> n.is(opType)).findFirst().orElseThrow();
    }
}
