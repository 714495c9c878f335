package dev.nncj.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * An ONNX model in memory: the graph, the opsets it imports, producer and metadata. Load and save
 * with {@link OnnxFiles}; fields NNCJ does not edit (functions, training info) are carried
 * through unchanged.
 */
public final class OnnxModel {
    /** The ONNX operator domain; "" and "ai.onnx" are the same domain. */
    public static final String DEFAULT_DOMAIN = "";

    private long irVersion;
    private final Map<String, Long> opsets = new LinkedHashMap<>();
    private String producerName;
    private String producerVersion;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Graph graph;
    private ModelProto rest = ModelProto.getDefaultInstance();
    private Path source;

    public OnnxModel(Graph graph, long irVersion, Map<String, Long> opsets) {
        this.graph = graph;
        this.irVersion = irVersion;
        opsets.forEach(this::setOpset);
        this.producerName = "";
        this.producerVersion = "";
    }

    static OnnxModel fromProto(ModelProto p, ExternalData externalData, Path source) {
        Map<String, Long> opsets = new LinkedHashMap<>();
        for (OperatorSetIdProto o : p.getOpsetImportList()) {
            opsets.put(o.getDomain(), o.getVersion());
        }
        OnnxModel m = new OnnxModel(Graph.fromProto(p.getGraph(), externalData), p.getIrVersion(), opsets);
        m.producerName = p.getProducerName();
        m.producerVersion = p.getProducerVersion();
        for (StringStringEntryProto e : p.getMetadataPropsList()) {
            m.metadata.put(e.getKey(), e.getValue());
        }
        m.rest = p.toBuilder().clearGraph().clearOpsetImport().clearMetadataProps().clearIrVersion()
                .clearProducerName().clearProducerVersion().build();
        m.source = source;
        return m;
    }

    ModelProto toProto(Function<Tensor, TensorProto> encode) {
        ModelProto.Builder b = rest.toBuilder()
                .setIrVersion(irVersion)
                .setProducerName(producerName)
                .setProducerVersion(producerVersion)
                .setGraph(graph.toProto(encode));
        opsets.forEach((domain, version) ->
                b.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(version)));
        metadata.forEach((k, v) -> b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return b.build();
    }

    public Graph graph() {
        return graph;
    }

    public long irVersion() {
        return irVersion;
    }

    public void setIrVersion(long irVersion) {
        this.irVersion = irVersion;
    }

    /** Imported opsets, domain ("" for ONNX) to version. */
    public Map<String, Long> opsets() {
        return Collections.unmodifiableMap(opsets);
    }

    /** The version of the default ONNX opset. */
    public long opset() {
        return opsetVersion(DEFAULT_DOMAIN).orElseThrow(() -> new IllegalStateException("model imports no ONNX opset"));
    }

    public OptionalLong opsetVersion(String domain) {
        Long v = opsets.get(normalize(domain));
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    public void setOpset(String domain, long version) {
        opsets.put(normalize(domain), version);
    }

    /**
     * Makes sure the model imports {@code domain} at {@code minVersion} or later, for passes that
     * add ops (e.g. com.microsoft contrib ops, or DequantizeLinear with float8 needing opset 19).
     * Raising the default opset is the caller's decision, as semantics of existing ops may change;
     * this method only adds missing domains and raises non-default ones.
     */
    public void requireOpset(String domain, long minVersion) {
        String d = normalize(domain);
        Long current = opsets.get(d);
        if (current == null || (current < minVersion && !d.isEmpty())) {
            opsets.put(d, minVersion);
        } else if (current < minVersion) {
            throw new IllegalStateException("model uses ONNX opset " + current + " but opset " + minVersion
                    + " is needed; convert the model to a newer opset first");
        }
    }

    public String producerName() {
        return producerName;
    }

    public String producerVersion() {
        return producerVersion;
    }

    public void setProducer(String name, String version) {
        this.producerName = name;
        this.producerVersion = version;
    }

    /** metadata_props: NNCJ records provenance here. */
    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    public void putMetadata(String key, String value) {
        metadata.put(key, value);
    }

    /** The file this model was loaded from, used to refuse overwriting it. */
    public Optional<Path> source() {
        return Optional.ofNullable(source);
    }

    private static String normalize(String domain) {
        return domain == null || domain.equals("ai.onnx") ? DEFAULT_DOMAIN : domain;
    }
}
