package dev.nncj.cli.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A ModelProto whose graph holds an If node whose then_branch holds an If node ... {@code levels}
 * deep, written top-down with precomputed lengths (building it with protobuf's builders would
 * recurse as deep, and copying each level into the next costs quadratic time). Every level's own
 * fields come before its nested message, which protobuf accepts in any order:
 * <pre>
 * Graph_k     = name "g", node { input "c", output "o", op_type "If",
 *                                attribute { name "then_branch", type GRAPH, g Graph_k-1 } }
 * Graph_0     = name "leaf"
 * </pre>
 */
final class NestedGraphs {
    private NestedGraphs() {}

    private static final byte[] GRAPH_FIELDS = {0x12, 0x01, 'g'};
    private static final byte[] NODE_FIELDS = {0x0A, 0x01, 'c', 0x12, 0x01, 'o', 0x22, 0x02, 'I', 'f'};
    private static final byte[] ATTRIBUTE_FIELDS = attributeFields();
    private static final byte[] LEAF = {0x12, 0x04, 'l', 'e', 'a', 'f'};

    static byte[] model(int levels) {
        long[] graph = new long[levels + 1];
        long[] node = new long[levels + 1];
        long[] attribute = new long[levels + 1];
        graph[0] = LEAF.length;
        for (int k = 1; k <= levels; k++) {
            attribute[k] = ATTRIBUTE_FIELDS.length + 1 + varintSize(graph[k - 1]) + graph[k - 1];
            node[k] = NODE_FIELDS.length + 1 + varintSize(attribute[k]) + attribute[k];
            graph[k] = GRAPH_FIELDS.length + 1 + varintSize(node[k]) + node[k];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) graph[levels] + 16);
        out.writeBytes(new byte[] {0x08, 0x08}); // ir_version 8
        out.writeBytes(new byte[] {0x42, 0x02, 0x10, 0x11}); // opset_import { version 17 }
        out.write(0x3A); // graph
        varint(out, graph[levels]);
        for (int k = levels; k >= 1; k--) {
            out.writeBytes(GRAPH_FIELDS);
            out.write(0x0A); // node
            varint(out, node[k]);
            out.writeBytes(NODE_FIELDS);
            out.write(0x2A); // attribute
            varint(out, attribute[k]);
            out.writeBytes(ATTRIBUTE_FIELDS);
            out.write(0x32); // g
            varint(out, graph[k - 1]);
        }
        out.writeBytes(LEAF);
        return out.toByteArray();
    }

    private static byte[] attributeFields() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] name = "then_branch".getBytes(StandardCharsets.US_ASCII);
        out.write(0x0A);
        out.write(name.length);
        out.writeBytes(name);
        out.writeBytes(new byte[] {(byte) 0xA0, 0x01, 0x05}); // type (field 20) = GRAPH
        return out.toByteArray();
    }

    private static int varintSize(long v) {
        int n = 1;
        while ((v >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
