package dev.nncj.transformer;

import dev.nncj.NncjException;
import dev.nncj.onnx.OnnxModel;
import java.nio.file.Path;

/**
 * Rewrites an encoder's attention, written as MatMul/Softmax/Transpose, into one com.microsoft.Attention
 * per layer (Q/K/V packed into one weight), by lifting the encoder and emitting it again with
 * {@link EmitOptions.AttentionStyle#FUSED}. Dynamic int8 then turns each Attention into QAttention:
 * one integer GEMM for Q, K and V and the attention in the same kernel, none of the Transposes and
 * Reshapes around the heads.
 */
public final class AttentionFusion {
    private AttentionFusion() {}

    /**
     * The same encoder with fused attention, metadata kept.
     *
     * @throws NncjException naming {@code file} when the model is not an encoder NNCJ can lift
     */
    public static OnnxModel fuse(OnnxModel model, Path file) {
        EncoderSpec spec = EncoderLifter.lift(model, file);
        OnnxModel fused = EncoderEmitter.emit(spec, EmitOptions.defaults().withAttention(EmitOptions.AttentionStyle.FUSED));
        model.metadata().forEach(fused::putMetadata);
        return fused;
    }
}
