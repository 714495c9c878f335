package dev.nncj.eval;

import dev.nncj.NncjException;
import dev.nncj.data.TextTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.TokenEmbedding;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Refuses a tokenizer whose token ids run past the model's word-embedding table. ONNX Runtime would
 * otherwise fail mid-evaluation with an index error, or worse, the wrong tokenizer would give
 * silently meaningless scores.
 */
public final class VocabularyCheck {
    private VocabularyCheck() {}

    public static void check(Path model, TextTokenizer tokenizer) {
        Optional<Integer> rows = TokenEmbedding.vocabularySize(OnnxFiles.load(model).graph());
        if (rows.isPresent() && tokenizer.vocabularySize() > rows.get()) {
            throw NncjException.inFile(tokenizer.file(), "vocabulary has " + tokenizer.vocabularySize()
                    + " tokens but the model " + model + " embeds only " + rows.get()
                    + " (wrong tokenizer for this model?)");
        }
    }
}
