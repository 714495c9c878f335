package dev.nncj.transformer;

/**
 * Multi-head self-attention: Q = xWq + bq, K = xWk + bk, V = xWv + bv, each split into
 * {@code heads} heads of {@code headSize} (head j owns columns j*headSize .. (j+1)*headSize-1);
 * per head softmax(Q_j K_j^T * scale + mask) V_j; the heads concatenated, then y = ctx Wo + bo
 * (head j owns rows j*headSize .. of Wo). {@code scale} is kept as lifted (1/sqrt(headSize) in
 * BERT), so removing heads leaves the surviving heads' arithmetic unchanged.
 */
public record AttentionSpec(int heads, int headSize, Linear query, Linear key, Linear value, Linear output,
                            float scale) {
    public AttentionSpec {
        int width = heads * headSize;
        if (heads <= 0 || headSize <= 0) {
            throw new IllegalArgumentException("attention needs at least one head of positive size");
        }
        if (query.out() != width || key.out() != width || value.out() != width || output.in() != width) {
            throw new IllegalArgumentException("attention projections do not match " + heads + " heads x " + headSize);
        }
    }

    public long parameterCount() {
        return query.parameterCount() + key.parameterCount() + value.parameterCount() + output.parameterCount();
    }

    /** Keeps heads {@code kept} (indexes into this layer's heads, in that order). */
    public AttentionSpec keepHeads(int[] kept) {
        int[] units = new int[kept.length * headSize];
        for (int h = 0; h < kept.length; h++) {
            for (int d = 0; d < headSize; d++) {
                units[h * headSize + d] = kept[h] * headSize + d;
            }
        }
        return new AttentionSpec(kept.length, headSize, query.keepOutputs(units), key.keepOutputs(units),
                value.keepOutputs(units), output.keepInputs(units), scale);
    }
}
