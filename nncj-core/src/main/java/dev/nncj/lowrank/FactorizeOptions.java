package dev.nncj.lowrank;

import dev.nncj.NncjException;
import dev.nncj.OptionException;
import dev.nncj.calibration.CalibrationData;
import dev.nncj.onnx.NodeFilter;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What {@link Factorizer} factorizes and to which rank.
 *
 * @param ranks the rank rule of each MatMul/Gemm weight (none: only the embedding table)
 * @param filter which MatMul/Gemm nodes may be touched (include/exclude patterns)
 * @param embeddingRank factorize the token-embedding table V x H into V x E and E x H (ALBERT)
 * @param keepUnprofitable factorize even where the factors hold as many parameters as the weight
 *     (r (m + n) >= m n): no use for compression, but it checks the arithmetic at full rank
 * @param calibration data whose activations weigh the truncation (see {@link InputWeighting});
 *     empty: plain SVD of W
 */
public record FactorizeOptions(RankPlan ranks, NodeFilter filter, OptionalInt embeddingRank, boolean keepUnprofitable,
                               Optional<CalibrationData> calibration) {
    public FactorizeOptions {
        if (ranks.isEmpty() && embeddingRank.isEmpty()) {
            throw new OptionException("nothing to factorize: give ", dev.nncj.OptionName.of("rankRatio"), " R, ", dev.nncj.OptionName.of("energy"),
                    " E, ", dev.nncj.OptionName.of("rank"), " PATTERN=R or ", dev.nncj.OptionName.of("embeddingRank"), " E");
        }
        if (embeddingRank.isPresent() && embeddingRank.getAsInt() < 1) {
            throw new OptionException(dev.nncj.OptionName.of("embeddingRank"), " must be at least 1, got " + embeddingRank.getAsInt());
        }
    }

    public FactorizeOptions(RankPlan ranks, NodeFilter filter, OptionalInt embeddingRank, boolean keepUnprofitable) {
        this(ranks, filter, embeddingRank, keepUnprofitable, Optional.empty());
    }

    public static FactorizeOptions of(RankRule rule) {
        return new FactorizeOptions(RankPlan.of(rule), NodeFilter.all(), OptionalInt.empty(), false);
    }

    public FactorizeOptions withFilter(NodeFilter f) {
        return new FactorizeOptions(ranks, f, embeddingRank, keepUnprofitable, calibration);
    }

    public FactorizeOptions withEmbeddingRank(int rank) {
        return new FactorizeOptions(ranks, filter, OptionalInt.of(rank), keepUnprofitable, calibration);
    }

    public FactorizeOptions keepingUnprofitable() {
        return new FactorizeOptions(ranks, filter, embeddingRank, true, calibration);
    }

    public FactorizeOptions withCalibration(CalibrationData c) {
        return new FactorizeOptions(ranks, filter, embeddingRank, keepUnprofitable, Optional.of(c));
    }
}
