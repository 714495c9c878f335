package dev.nncj.inspect;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.ValueInfos;
import dev.nncj.runtime.ModelFiles;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Summarizes a model for {@code nncj inspect}: size, parameters, ops, interface, encoder shape. */
public final class ModelInspector {
    private static final int LARGEST = 10;

    private ModelInspector() {}

    public static ModelReport inspect(Path file) {
        OnnxModel model = OnnxFiles.load(file);
        return inspect(model, file);
    }

    public static ModelReport inspect(OnnxModel model, Path file) {
        Graph g = model.graph();
        Optional<EncoderShape> detected = EncoderShapeDetector.detect(g);
        EncoderLifter.Result lifted = EncoderLifter.tryLift(model);
        Optional<EncoderStructure> structure = lifted.spec().map(spec -> EncoderStructure.of(spec, lifted.forms()));
        Optional<EncoderShape> shape = lifted.spec().isPresent()
                ? Optional.of(shape(lifted.spec().get(), structure.get())) : detected;
        return new ModelReport(
                file.toString(),
                g.parameterCount(),
                g.quantizedParameterCount(),
                ModelFiles.totalBytes(file),
                model.irVersion(),
                model.opsets(),
                (model.producerName() + " " + model.producerVersion()).trim(),
                g.nodes().size(),
                opHistogram(g),
                g.inputs().stream().map(ModelInspector::value).toList(),
                g.outputs().stream().map(ModelInspector::value).toList(),
                largest(g),
                model.metadata(),
                shape,
                structure,
                structure.isEmpty() && detected.isPresent() ? Optional.of(lifted.reason()) : Optional.empty());
    }

    private static EncoderShape shape(EncoderSpec spec, EncoderStructure s) {
        return new EncoderShape(s.layers().size(), spec.hidden(), EncoderStructure.common(s.layers(), EncoderStructure.Layer::heads),
                EncoderStructure.common(s.layers(), EncoderStructure.Layer::headSize),
                EncoderStructure.common(s.layers(), EncoderStructure.Layer::ffnWidth), (int) spec.embeddings().word().dim(0),
                spec.embeddings().position().map(t -> (int) t.dim(0)).orElse(-1));
    }

    static Map<String, Integer> opHistogram(Graph g) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Node n : g.nodes()) {
            counts.merge(n.domain().isEmpty() ? n.opType() : n.domain() + ":" + n.opType(), 1, Integer::sum);
        }
        Map<String, Integer> sorted = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    private static ModelReport.Value value(ValueInfoProto v) {
        var type = ValueInfos.elementType(v);
        return new ModelReport.Value(v.getName(), type == null ? "?" : type.displayName(), ValueInfos.dims(v));
    }

    private static List<ModelReport.Initializer> largest(Graph g) {
        return g.initializers().values().stream()
                .sorted(Comparator.comparingLong(Tensor::byteSize).reversed())
                .limit(LARGEST)
                .map(t -> new ModelReport.Initializer(t.name(), t.type().displayName(),
                        Arrays.stream(t.shape()).boxed().toList(), t.numElements(), t.byteSize()))
                .toList();
    }
}
