package dev.nncj.calibration;

import dev.nncj.data.EncodedBatch;
import java.util.Optional;

/**
 * One batch as {@link ActivationObserver} ran it, for accumulators that need to know which values
 * are data: with sentences, the tokens fed (whose attention mask marks the padding); with images,
 * none (every value is data).
 *
 * @param examples sentences or images in the batch
 */
public record ObservedBatch(int examples, Optional<EncodedBatch> tokens) {
    /**
     * Whether row {@code row} of a token-level value [batch, seq, ...] (row = b * seq + t) is a real
     * token, not padding; true for every row when {@code value} is not token-level or there are no tokens.
     */
    public boolean isRealToken(long[] shape, int row) {
        if (tokens.isEmpty() || !isTokenLevel(shape)) {
            return true;
        }
        EncodedBatch b = tokens.get();
        return b.attentionMask()[row / b.sequenceLength()][row % b.sequenceLength()] != 0;
    }

    /** A value shaped [batch, seq, K] of this batch's tokens. */
    public boolean isTokenLevel(long[] shape) {
        return tokens.isPresent() && shape.length == 3 && shape[0] == tokens.get().batchSize()
                && shape[1] == tokens.get().sequenceLength();
    }
}
