package dev.nncj.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import ai.onnx.proto.OnnxMl.NodeProto;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A mutable ONNX node. Inputs and outputs are value names; an empty name is an omitted optional
 * input, as in ONNX. Attributes are kept as protobuf messages (subgraphs of If/Loop included) with
 * typed accessors for the common kinds.
 */
public final class Node {
    private String name;
    private final String opType;
    private final String domain;
    private final List<String> inputs;
    private final List<String> outputs;
    private final Map<String, AttributeProto> attributes;
    private String docString;

    public Node(String name, String opType, String domain, List<String> inputs, List<String> outputs) {
        this.name = Objects.requireNonNull(name, "name");
        this.opType = Objects.requireNonNull(opType, "opType");
        this.domain = domain == null || domain.equals("ai.onnx") ? "" : domain;
        this.inputs = new ArrayList<>(inputs);
        this.outputs = new ArrayList<>(outputs);
        this.attributes = new LinkedHashMap<>();
        this.docString = "";
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("node " + name + " (" + opType + ") has no outputs");
        }
    }

    /** A node of the default ONNX domain. */
    public static Node of(String name, String opType, List<String> inputs, List<String> outputs) {
        return new Node(name, opType, "", inputs, outputs);
    }

    /** An independent copy: same name, type, inputs, outputs and attributes. */
    public Node copy() {
        return fromProto(toProto());
    }

    static Node fromProto(NodeProto p) {
        Node n = new Node(p.getName(), p.getOpType(), p.getDomain(), p.getInputList(), p.getOutputList());
        for (AttributeProto a : p.getAttributeList()) {
            n.attributes.put(a.getName(), a);
        }
        n.docString = p.getDocString();
        return n;
    }

    NodeProto toProto() {
        NodeProto.Builder b = NodeProto.newBuilder()
                .setName(name)
                .setOpType(opType)
                .addAllInput(inputs)
                .addAllOutput(outputs)
                .addAllAttribute(attributes.values());
        if (!domain.isEmpty()) {
            b.setDomain(domain);
        }
        if (!docString.isEmpty()) {
            b.setDocString(docString);
        }
        return b.build();
    }

    public String name() {
        return name;
    }

    public void rename(String newName) {
        this.name = newName;
    }

    public String opType() {
        return opType;
    }

    /** "" for the default ONNX domain, else e.g. "com.microsoft". */
    public String domain() {
        return domain;
    }

    /** True for an op of the given type in the default domain. */
    public boolean is(String type) {
        return domain.isEmpty() && opType.equals(type);
    }

    public List<String> inputs() {
        return Collections.unmodifiableList(inputs);
    }

    public List<String> outputs() {
        return Collections.unmodifiableList(outputs);
    }

    /** The i-th input, or "" when absent. */
    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    public String output(int i) {
        return outputs.get(i);
    }

    public void setInput(int i, String value) {
        while (inputs.size() <= i) {
            inputs.add("");
        }
        inputs.set(i, value);
    }

    public void setOutput(int i, String value) {
        outputs.set(i, value);
    }

    /** Replaces every use of {@code from} among the inputs; returns how many were replaced. */
    public int replaceInput(String from, String to) {
        int count = 0;
        for (int i = 0; i < inputs.size(); i++) {
            if (inputs.get(i).equals(from)) {
                inputs.set(i, to);
                count++;
            }
        }
        return count;
    }

    public Map<String, AttributeProto> attributes() {
        return Collections.unmodifiableMap(attributes);
    }

    public Optional<AttributeProto> attribute(String attr) {
        return Optional.ofNullable(attributes.get(attr));
    }

    public long intAttribute(String attr, long fallback) {
        AttributeProto a = attributes.get(attr);
        return a == null ? fallback : a.getI();
    }

    public float floatAttribute(String attr, float fallback) {
        AttributeProto a = attributes.get(attr);
        return a == null ? fallback : a.getF();
    }

    public String stringAttribute(String attr, String fallback) {
        AttributeProto a = attributes.get(attr);
        return a == null ? fallback : a.getS().toStringUtf8();
    }

    public List<Long> intsAttribute(String attr) {
        AttributeProto a = attributes.get(attr);
        return a == null ? List.of() : a.getIntsList();
    }

    public Optional<Tensor> tensorAttribute(String attr) {
        AttributeProto a = attributes.get(attr);
        return a == null || !a.hasT() ? Optional.empty() : Optional.of(TensorProtos.fromProto(a.getT()));
    }

    public Node set(String attr, long value) {
        return put(AttributeProto.newBuilder().setName(attr).setType(AttributeType.INT).setI(value).build());
    }

    public Node set(String attr, float value) {
        return put(AttributeProto.newBuilder().setName(attr).setType(AttributeType.FLOAT).setF(value).build());
    }

    public Node set(String attr, String value) {
        return put(AttributeProto.newBuilder().setName(attr).setType(AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value)).build());
    }

    public Node set(String attr, long[] values) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(attr).setType(AttributeType.INTS);
        for (long v : values) {
            b.addInts(v);
        }
        return put(b.build());
    }

    public Node set(String attr, Tensor value) {
        return put(AttributeProto.newBuilder().setName(attr).setType(AttributeType.TENSOR)
                .setT(TensorProtos.toProto(value)).build());
    }

    public Node put(AttributeProto attribute) {
        attributes.put(attribute.getName(), attribute);
        return this;
    }

    public void removeAttribute(String attr) {
        attributes.remove(attr);
    }

    @Override
    public String toString() {
        return (domain.isEmpty() ? "" : domain + ".") + opType + " '" + name + "' " + inputs + " -> " + outputs;
    }
}
