package dev.nncj.transformer;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.NncjException;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.OnnxModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

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
     * @throws NncjException naming {@code file} when the model is not an encoder NNCJ can lift, or the
     *     fused graph would read or write other values, or store more weights (the lifter expands some
     *     compressed forms: a factorized word table becomes its product, for one)
     */
    public static OnnxModel fuse(OnnxModel model, Path file) {
        EncoderSpec spec = EncoderLifter.lift(model, file);
        OnnxModel fused = EncoderEmitter.emit(spec, EmitOptions.defaults().withAttention(EmitOptions.AttentionStyle.FUSED));
        String given = signature(model);
        String emitted = signature(fused);
        if (!given.equals(emitted)) {
            throw NncjException.inFile(file, "fusing its attention would change what the graph reads and writes: "
                    + emitted + ", not " + given);
        }
        long stored = storedWeights(model);
        long restored = storedWeights(fused);
        if (restored > stored + stored / 1000) {
            throw NncjException.inFile(file, "fusing its attention would store " + restored + " weights, not " + stored
                    + " (the lifter expands some compressed forms, a factorized word table into its product for one:"
                    + " emitting them again would undo that compression)");
        }
        model.metadata().forEach(fused::putMetadata);
        return fused;
    }

    /**
     * What {@link #fuseWherePossible} did: the model to quantize (fused, or the given one) and, when
     * it is the given one, why.
     */
    public record Attempt(OnnxModel model, Optional<String> keptBecause) {
        public boolean fused() {
            return keptBecause.isEmpty();
        }
    }

    /**
     * {@link #fuse}'s model when it has one, else {@code model} itself with the reason: for a default
     * that must never turn a readable model into a refusal or a larger file.
     */
    public static Attempt fuseWherePossible(OnnxModel model, Path file) {
        try {
            return new Attempt(fuse(model, file), Optional.empty());
        } catch (NncjException e) { // a default must not turn a model the quantizer reads into a failure
            return new Attempt(model, Optional.of(e.getMessage()));
        } catch (RuntimeException e) { // nor may a bug: kept, and the reason names what was thrown
            return new Attempt(model, Optional.of(e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
    }

    /**
     * Stored weight values: dense initializers' elements and sparse ones' non-zeros. Not
     * {@code Graph.parameterCount()}: that counts a sparse initializer at its dense shape, which would
     * hide a sparse model's growth.
     */
    private static long storedWeights(OnnxModel model) {
        long dense = model.graph().initializers().values().stream().mapToLong(t -> t.numElements()).sum();
        long sparse = model.graph().sparseInitializers().stream()
                .mapToLong(s -> s.getValues().getDimsCount() == 0 ? 0 : s.getValues().getDims(0)).sum();
        return dense + sparse;
    }

    /** Inputs fed at run time (not initializers some exports also list as inputs) and outputs: names and element types. */
    private static String signature(OnnxModel model) {
        Graph graph = model.graph();
        return names(graph.inputs().stream().filter(v -> !graph.isInitializer(v.getName())).toList())
                + " -> " + names(graph.outputs());
    }

    private static String names(List<ValueInfoProto> values) {
        return values.stream().map(v -> v.getName() + ":" + v.getType().getTensorType().getElemType()).toList().toString();
    }
}
