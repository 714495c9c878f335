package dev.nncj.quantize;

import dev.nncj.onnx.NodeFilter;
import java.util.Optional;

/**
 * Options of a quantization run; each mode reads the fields that concern it and ignores the rest.
 *
 * @param mode the scheme
 * @param nodes which nodes may be quantized
 * @param perChannel int8 modes: one scale per output channel instead of per tensor
 * @param symmetric int8 modes: zero point 0 (signed) instead of an asymmetric range
 * @param blockSize weight-only modes: elements per scale along the reduction axis (16..256, power of 2)
 * @param fp8Format FP8 mode: E4M3FN (precision) or E5M2 (range)
 * @param calibration data for static int8 and error-compensating rounding; empty when not given
 * @param errorCompensation weight-only modes: GPTQ/AWQ-style rounding with the calibration data
 * @param quantizeEmbeddings whether the token-embedding table is quantized too
 * @param embeddingBits int8 modes: 8 (one scale per row) or 4 (blocks of {@code blockSize} along a row, as
 *     the weight-only modes store it) for the token-embedding table, usually the largest tensor of a small
 *     encoder; other lookup tables stay 8-bit
 * @param quantizeAttention static int8: attention's Q·Kᵀ and P·V (MatMuls of two computed tensors)
 *     as integer products too, through calibrated Q/DQ pairs; off by default, since on ONNX Runtime
 *     1.23 those pairs cost more than the integer kernel saves (the form recipes measured before
 *     2026-12-03 used)
 */
public record QuantizeOptions(QuantizationMode mode, NodeFilter nodes, boolean perChannel, boolean symmetric,
                              int blockSize, Fp8Format fp8Format, Optional<Calibration> calibration,
                              boolean errorCompensation, boolean quantizeEmbeddings, int embeddingBits,
                              boolean quantizeAttention) {
    public enum Fp8Format { E4M3FN, E5M2 }

    /**
     * Sentences per ONNX Runtime call when calibrating: 32, the batch every published quantization
     * figure was calibrated with (min-max ranges include padded positions, so grouping moves them).
     */
    public static final int CALIBRATION_BATCH_SIZE = 32;

    public QuantizeOptions {
        if (embeddingBits != 8 && embeddingBits != 4) {
            throw new dev.nncj.NncjException(dev.nncj.OptionName.of("embeddingBits"), " must be 8 or 4, not " + embeddingBits);
        }
        if (embeddingBits == 4) {
            BlockWeightQuantizer.checkBlockSize(blockSize); // before any calibration or training, not at export
        }
    }

    /** With attention's products of two computed tensors kept float. */
    public QuantizeOptions(QuantizationMode mode, NodeFilter nodes, boolean perChannel, boolean symmetric,
                           int blockSize, Fp8Format fp8Format, Optional<Calibration> calibration,
                           boolean errorCompensation, boolean quantizeEmbeddings, int embeddingBits) {
        this(mode, nodes, perChannel, symmetric, blockSize, fp8Format, calibration, errorCompensation,
                quantizeEmbeddings, embeddingBits, false);
    }

    /** With 8-bit embedding tables. */
    public QuantizeOptions(QuantizationMode mode, NodeFilter nodes, boolean perChannel, boolean symmetric,
                           int blockSize, Fp8Format fp8Format, Optional<Calibration> calibration,
                           boolean errorCompensation, boolean quantizeEmbeddings) {
        this(mode, nodes, perChannel, symmetric, blockSize, fp8Format, calibration, errorCompensation,
                quantizeEmbeddings, 8);
    }

    public QuantizeOptions withEmbeddingBits(int bits) {
        return new QuantizeOptions(mode, nodes, perChannel, symmetric, blockSize, fp8Format, calibration,
                errorCompensation, quantizeEmbeddings, bits, quantizeAttention);
    }

    public QuantizeOptions withQuantizedAttention(boolean quantize) {
        return new QuantizeOptions(mode, nodes, perChannel, symmetric, blockSize, fp8Format, calibration,
                errorCompensation, quantizeEmbeddings, embeddingBits, quantize);
    }

    public static QuantizeOptions defaults(QuantizationMode mode) {
        return new QuantizeOptions(mode, NodeFilter.all(), true, true, 32, Fp8Format.E4M3FN, Optional.empty(),
                false, true);
    }
}
