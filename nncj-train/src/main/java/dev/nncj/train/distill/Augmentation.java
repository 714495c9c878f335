package dev.nncj.train.distill;

import dev.nncj.NncjException;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.WordSubstitution;
import dev.nncj.onnx.Tensor;
import dev.nncj.transformer.EncoderSpec;

/**
 * TinyBERT's augmentation of a distillation's training text: each sentence followed by rewritings of
 * it whose words the teacher's own word table chooses ({@link WordSubstitution}), all labelled by the
 * teacher. The one place {@code nncj distill --augment} and the search's full distillations get it.
 */
public final class Augmentation {
    private Augmentation() {
    }

    /**
     * The first {@code sentences} of {@code data}'s training text, each followed by up to {@code copies}
     * rewritings, unlabeled; the evaluation data and tokenizer as they were. Seeded.
     */
    public static DistillData of(DistillData data, EncoderSpec teacher, int sentences, int copies, long seed) {
        DistillTexts originals = data.train().firstN(sentences);
        Tensor words = teacher.embeddings().word();
        WordSubstitution substitution;
        try (TextTokenizer tokenizer = TextTokenizer.load(data.tokenizer())) {
            substitution = WordSubstitution.fromEmbeddings(tokenizer.vocabulary(), words.toFloats(), (int) words.dim(1),
                    originals.texts());
        }
        if (substitution.replaceableWords() == 0) { // e.g. a SentencePiece or byte-level BPE vocabulary ("▁good", "Ġgood")
            throw NncjException.inFile(data.tokenizer(), "no word of the training text is a whole word of this vocabulary,"
                    + " so augmentation cannot rewrite any sentence");
        }
        return new DistillData(originals.withVariants(substitution, copies, seed), data.eval(), data.tokenizer());
    }
}
