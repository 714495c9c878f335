package dev.nncj.eval;

import dev.nncj.NncjException;
import dev.nncj.data.TextTokenizer;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.Tensor;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Refuses a tokenizer whose token ids run past the model's word-embedding table. ONNX Runtime would
 * otherwise fail mid-evaluation with an index error, or worse, the wrong tokenizer would give
 * silently meaningless scores.
 */
public final class VocabularyCheck {
    private VocabularyCheck() {}

    public static void check(Path model, TextTokenizer tokenizer) {
        OptionalLong rows = embeddingRows(OnnxFiles.load(model).graph());
        if (rows.isPresent() && tokenizer.vocabularySize() > rows.getAsLong()) {
            throw NncjException.inFile(tokenizer.file(), "vocabulary has " + tokenizer.vocabularySize()
                    + " tokens but the model " + model + " embeds only " + rows.getAsLong()
                    + " (wrong tokenizer for this model?)");
        }
    }

    /**
     * Rows of the table that input_ids index: a Gather whose indices are the ids input and whose
     * data is an initializer, directly or through DequantizeLinear (quantized embeddings).
     */
    static OptionalLong embeddingRows(Graph graph) {
        for (Node n : graph.nodes()) {
            if (!n.is("Gather") || !graph.isGraphInput(n.input(1)) || !n.input(1).toLowerCase().contains("ids")) {
                continue;
            }
            Optional<Tensor> table = graph.initializer(n.input(0)).or(() -> graph.producer(n.input(0))
                    .filter(p -> p.opType().equals("DequantizeLinear"))
                    .flatMap(p -> graph.initializer(p.input(0))));
            if (table.isPresent() && table.get().rank() == 2) {
                return OptionalLong.of(table.get().dim(0));
            }
        }
        return OptionalLong.empty();
    }
}
