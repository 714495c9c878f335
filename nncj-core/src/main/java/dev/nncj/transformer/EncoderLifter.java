package dev.nncj.transformer;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.NncjException;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.OnnxModel;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Lifts a BERT-family encoder out of an ONNX graph by its structure (names are never
 * consulted): the word-embedding Gather indexed by a graph input, the sum with position and
 * token-type embeddings and its LayerNorm, then layer after layer along the residual stream
 * until the stream reaches a graph output; optionally BERT's pooler (tanh of the first token
 * through a dense layer). Each part has its matcher: {@link EmbeddingsMatcher},
 * {@link LayerStackMatcher} (post- or pre-norm layers, each layer through {@link AttentionMatcher},
 * {@link LayerNormMatcher} and {@link FeedForwardMatcher}), {@link OutputsMatcher}.
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
        GraphView g = new GraphView(model.graph());
        try {
            return new Result(Optional.of(lift(model, g)), "", g.recognizedForms());
        } catch (PatternMismatch | IllegalArgumentException e) {
            return new Result(Optional.empty(), e.getMessage(), g.recognizedForms());
        }
    }

    /**
     * A lift attempt: the spec, or the reason recognition failed; and in either case the forms the
     * matchers recognized, by part of the encoder (what a report shows as "read as").
     */
    public record Result(Optional<EncoderSpec> spec, String reason, Map<String, List<String>> forms) {
        public Result {
            forms = Collections.unmodifiableMap(new LinkedHashMap<>(forms));
        }
    }

    static EncoderSpec lift(OnnxModel model) {
        return lift(model, new GraphView(model.graph()));
    }

    private static EncoderSpec lift(OnnxModel model, GraphView g) {
        Graph graph = model.graph();
        UnsupportedForms.check(g);
        EmbeddingsMatcher.Matched e = new EmbeddingsMatcher(g).match();
        LayerStackMatcher.Matched stack = new LayerStackMatcher(g, e.maskInput()).match(e.stream());
        OutputsMatcher.Matched out = new OutputsMatcher(g).match(stack.hidden(), e.wordLookup(), model.opset());
        for (ValueInfoProto in : graph.inputs()) {
            String n = in.getName();
            if (!n.equals(e.inputIds()) && !e.maskInput().equals(Optional.of(n)) && !e.tokenTypeInput().equals(Optional.of(n))) {
                throw new PatternMismatch("graph input '" + n + "' is not input ids, attention mask or token types");
            }
        }
        EncoderInterface io = new EncoderInterface(graph.inputs(), graph.outputs(), e.inputIds(), e.maskInput(),
                e.tokenTypeInput(), stack.hidden(), out.poolerOutput());
        // layers reading the same initializers (ALBERT's export) become one layer object, used at each depth
        List<EncoderLayer> layers = SharedWeights.tie(stack.layers());
        if (SharedWeights.anyLayerShared(layers)) {
            g.recognized("layers", "weights shared across layers (ALBERT)");
        }
        return new EncoderSpec(e.embeddings(), layers, stack.placement(), stack.finalNorm(),
                stack.maskValue().orElse(0f), out.pooler(), io, out.head());
    }
}
