package dev.nncj.search;

import dev.nncj.transformer.EncoderLayer;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.ImportanceScores;
import dev.nncj.transformer.StructuredPruner;
import java.util.ArrayList;
import java.util.List;

/**
 * A candidate's encoder with the teacher's inherited weights: the kept layers, and in each the
 * most important heads and FFN units by the teacher's importance scores, scored once for the whole
 * search (importance-ordered widths, as DynaBERT's): a narrower candidate keeps a subset of a
 * wider one's units, so short training starts from the same ranking for every candidate.
 */
public final class CandidateEncoder {
    private CandidateEncoder() {}

    /** The float encoder of {@code a} (numeric and table forms are applied when it is written). */
    public static EncoderSpec of(EncoderSpec teacher, ImportanceScores teacherScores, Architecture a) {
        List<EncoderLayer> layers = new ArrayList<>();
        for (LayerChoice c : a.layers()) {
            if (c.source() >= teacher.layers().size()) {
                throw new IllegalArgumentException("the teacher has no layer " + c.source() + ": " + a);
            }
            EncoderLayer l = teacher.layers().get(c.source());
            if (c.heads() > l.attention().heads() || c.ffn() > l.ffn().width()) {
                throw new IllegalArgumentException("layer " + c.source() + " has " + l.attention().heads()
                        + " heads and " + l.ffn().width() + " FFN units: " + a);
            }
            EncoderLayer kept = l;
            if (c.heads() < l.attention().heads()) {
                kept = kept.withAttention(l.attention().keepHeads(
                        StructuredPruner.top(teacherScores.heads().get(c.source()), c.heads())));
            }
            if (c.ffn() < l.ffn().width()) {
                kept = kept.withFfn(l.ffn().keepNeurons(
                        StructuredPruner.top(teacherScores.neurons().get(c.source()), c.ffn())));
            }
            layers.add(kept);
        }
        return teacher.withLayers(layers);
    }
}
