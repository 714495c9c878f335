package dev.nncj.train.distill;

import dev.nncj.NncjException;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.HeadPlan;
import dev.nncj.transformer.MagnitudeImportance;
import dev.nncj.transformer.StructuredPruneOptions;
import dev.nncj.transformer.StructuredPruneResult;
import dev.nncj.transformer.StructuredPruner;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Derives a student from its teacher with the surgery operations: lift the teacher, keep the
 * chosen layers (and heads / FFN neurons), emit a clean graph. The student starts from the
 * teacher's own weights (DistilBERT's initialization), not from random ones, so distillation
 * starts near a good solution. Plain MatMul/Softmax attention is emitted, so the attention term
 * can read each layer's probabilities.
 */
public final class StudentDerivation {
    private StudentDerivation() {}

    /**
     * A derived student and the teacher layer each of its layers came from: the default layer
     * mapping of the hidden-state and attention terms; {@code structure} is what was kept of the
     * teacher (layers, heads, FFN neurons by the teacher's indices), which a model folder's config records.
     */
    public record DerivedStudent(OnnxModel model, Map<Integer, Integer> layerMap, long teacherParameters,
            long studentParameters, StructuredPruneResult structure) {}

    /** @param file the teacher's file, named in errors */
    public static DerivedStudent derive(OnnxModel teacher, Path file, StudentShape shape) {
        EncoderSpec spec = EncoderLifter.lift(teacher, file);
        HeadPlan heads = shape.heads().isPresent()
                ? new HeadPlan.PerLayer(Collections.nCopies(shape.layers().size(), shape.heads().getAsInt()))
                : new HeadPlan.All();
        StructuredPruneOptions options = new StructuredPruneOptions(Optional.of(shape.layers()), heads,
                ffnRemoved(spec, shape), new MagnitudeImportance());
        StructuredPruneResult pruned = prune(spec, options, file);
        OnnxModel student = EncoderEmitter.emit(pruned.spec(), EmitOptions.defaults());
        teacher.metadata().forEach(student::putMetadata);
        if (java.nio.file.Files.isRegularFile(file)) {
            Map<String, Object> recorded = new java.util.LinkedHashMap<>();
            recorded.put("layers", shape.layers());
            shape.heads().ifPresent(h -> recorded.put("heads", h));
            shape.ffnWidth().ifPresent(f -> recorded.put("ffn_width", f));
            dev.nncj.provenance.Provenance.record(student, file, "derive_student", recorded);
        }
        Map<Integer, Integer> map = new TreeMap<>();
        for (int i = 0; i < shape.layers().size(); i++) {
            map.put(i, shape.layers().get(i));
        }
        return new DerivedStudent(student, Collections.unmodifiableMap(map), pruned.parametersBefore(),
                pruned.parametersAfter(), pruned);
    }

    /** The teacher in emitted form (same function, the emitter's value names), for the per-layer terms. */
    static OnnxModel reemit(OnnxModel model, Path file) {
        return reemit(model, EncoderLifter.lift(model, file));
    }

    /** {@code model}, already lifted to {@code spec}, emitted again with its metadata. */
    static OnnxModel reemit(OnnxModel model, EncoderSpec spec) {
        OnnxModel emitted = EncoderEmitter.emit(spec, EmitOptions.defaults());
        model.metadata().forEach(emitted::putMetadata);
        return emitted;
    }

    private static StructuredPruneResult prune(EncoderSpec spec, StructuredPruneOptions options, Path file) {
        try {
            return StructuredPruner.prune(spec, options);
        } catch (NncjException e) {
            throw NncjException.inFile(file, e.message(o -> o.name().equals("keepLayers") ? "student layers" : o.name()));
        }
    }

    /**
     * The FFN fraction to remove so that exactly the requested width stays (the pruner removes
     * round(f * width) neurons; widths are those of the first layer, equal in BERT-family encoders).
     */
    private static double ffnRemoved(EncoderSpec spec, StudentShape shape) {
        if (shape.ffnWidth().isEmpty()) {
            return 0;
        }
        int width = spec.layers().get(0).ffn().width();
        int keep = shape.ffnWidth().getAsInt();
        if (keep > width) {
            throw new NncjException("student FFN width " + keep + " exceeds the teacher's " + width);
        }
        return (double) (width - keep) / width;
    }
}
