package dev.nncj.transformer;

/**
 * Where a layer's LayerNorms sit. POST (BERT): h = LN(h + Attn(h)), h = LN(h + FFN(h)). PRE
 * (GPT-2 style encoders): h = h + Attn(LN(h)), h = h + FFN(LN(h)), and one final LayerNorm.
 */
public enum NormPlacement {
    POST,
    PRE
}
