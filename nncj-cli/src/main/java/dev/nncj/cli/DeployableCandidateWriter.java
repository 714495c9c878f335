package dev.nncj.cli;

import dev.nncj.ProgressListener;
import dev.nncj.lowrank.FactorizeOptions;
import dev.nncj.lowrank.Factorizer;
import dev.nncj.lowrank.RankPlan;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.quantize.Calibration;
import dev.nncj.quantize.QuantizationMode;
import dev.nncj.quantize.QuantizeOptions;
import dev.nncj.quantize.Quantizers;
import dev.nncj.search.CandidateWriter;
import dev.nncj.search.NumericForm;
import dev.nncj.search.TokenTableForm;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A search candidate as the file it would be deployed as: the encoder emitted as ONNX with the
 * teacher's metadata, its word table factorized when the form asks for half rank, then quantized
 * by the same quantizers {@code nncj quantize} uses (dynamic or static int8, the token table in 8- or
 * 4-bit blocks; int8-dynamic-fused emits com.microsoft.Attention first, as {@code quantize}'s default
 * does, which dynamic int8 turns into QAttention). A float encoder with a quantized table is
 * dynamic int8 restricted to the table's Gather. Training reads {@link #floatModel}, whose attention
 * is always the plain ops the distillation's layer terms find.
 */
final class DeployableCandidateWriter implements CandidateWriter {
    /** Blocks of the 4-bit token table (the chain's choice, bench/results/2026-11-28-compression-chain-3.md). */
    static final int TABLE_BLOCK = 64;

    private final Map<String, String> metadata;
    private final Optional<Calibration> calibration;

    /**
     * @param metadata    the teacher's metadata (tokenizer hints and provenance), copied into every candidate
     * @param calibration the static-int8 calibration; empty when the space has no static form
     */
    DeployableCandidateWriter(Map<String, String> metadata, Optional<Calibration> calibration) {
        this.metadata = Map.copyOf(metadata);
        this.calibration = calibration;
    }

    @Override
    public OnnxModel write(EncoderSpec encoder, NumericForm form, TokenTableForm table) {
        OnnxModel model = form == NumericForm.DYNAMIC_INT8_FUSED
                ? withMetadata(emit(encoder, table, EmitOptions.AttentionStyle.FUSED)) : floatModel(encoder, table);
        Optional<QuantizeOptions> quantization = quantization(form, table);
        return quantization.isEmpty() ? model
                : Quantizers.forMode(quantization.get().mode()).quantize(model, quantization.get(), ProgressListener.NONE).model();
    }

    /** The float model {@link #write} quantizes: the encoder with its table's shape and the teacher's metadata. */
    OnnxModel floatModel(EncoderSpec encoder, TokenTableForm table) {
        return withMetadata(emit(encoder, table));
    }

    private OnnxModel withMetadata(OnnxModel model) {
        metadata.forEach(model::putMetadata);
        return model;
    }

    /** How {@link #write} quantizes a candidate of this form and table; empty for a float one. */
    Optional<QuantizeOptions> quantization(NumericForm form, TokenTableForm table) {
        if (form == NumericForm.FP32 && table == TokenTableForm.FP32) {
            return Optional.empty();
        }
        QuantizationMode mode = form == NumericForm.STATIC_INT8 ? QuantizationMode.STATIC_INT8 : QuantizationMode.DYNAMIC_INT8;
        QuantizeOptions d = QuantizeOptions.defaults(mode);
        NodeFilter nodes = form == NumericForm.FP32 ? new NodeFilter(List.of("Gather"), List.of()) : d.nodes();
        return Optional.of(new QuantizeOptions(mode, nodes, d.perChannel(), d.symmetric(), TABLE_BLOCK,
                d.fp8Format(), mode == QuantizationMode.STATIC_INT8 ? calibration : Optional.empty(),
                d.errorCompensation(), table != TokenTableForm.FP32,
                table == TokenTableForm.FP32 ? 8 : table.bits())); // 8: a placeholder, the table stays float
    }

    /**
     * The float model of {@code encoder} with its word table in {@code table}'s shape: for a half-rank
     * table, the truncated SVD's two factors (Gather of the tall one, then a MatMul). An encoder trained
     * in that shape and lifted again holds the factors' product, whose rank is the factors' width, so
     * factorizing it again at that width gives the trained table back, not a new truncation.
     */
    static OnnxModel emit(EncoderSpec encoder, TokenTableForm table) {
        return emit(encoder, table, EmitOptions.AttentionStyle.PLAIN);
    }

    /** As {@link #emit(EncoderSpec, TokenTableForm)}, the attention written in {@code attention}'s style. */
    private static OnnxModel emit(EncoderSpec encoder, TokenTableForm table, EmitOptions.AttentionStyle attention) {
        OnnxModel model = EncoderEmitter.emit(encoder, EmitOptions.defaults().withAttention(attention));
        if (table.halfRank()) {
            Factorizer.factorize(model, Path.of("candidate.onnx"), new FactorizeOptions(RankPlan.none(), NodeFilter.all(),
                    OptionalInt.of(encoder.embeddings().hidden() / 2), false), ProgressListener.NONE);
        }
        return model;
    }
}
