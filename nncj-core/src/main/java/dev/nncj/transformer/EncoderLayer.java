package dev.nncj.transformer;

/**
 * One encoder layer. With {@link NormPlacement#POST}: h = LN1(h + Attn(h)); h = LN2(h + FFN(h)).
 * With PRE: h = h + Attn(LN1(h)); h = h + FFN(LN2(h)).
 */
public record EncoderLayer(AttentionSpec attention, LayerNormSpec attentionNorm, FeedForwardSpec ffn,
                           LayerNormSpec ffnNorm) {
    public long parameterCount() {
        return attention.parameterCount() + attentionNorm.parameterCount() + ffn.parameterCount()
                + ffnNorm.parameterCount();
    }

    public EncoderLayer withAttention(AttentionSpec a) {
        return new EncoderLayer(a, attentionNorm, ffn, ffnNorm);
    }

    public EncoderLayer withFfn(FeedForwardSpec f) {
        return new EncoderLayer(attention, attentionNorm, f, ffnNorm);
    }
}
