package dev.nncj.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class GraphTest {

    @Test
    void producersAndConsumersFollowTheWiring() {
        Graph g = TinyModels.linearRelu().graph();
        Node matmul = g.producer(g.nodes().stream().filter(n -> n.is("MatMul")).findFirst().orElseThrow().output(0)).orElseThrow();
        assertThat(matmul.opType()).isEqualTo("MatMul");
        assertThat(g.consumers(matmul.output(0))).extracting(Node::opType).containsExactly("Neg", "Add");
        assertThat(g.producer("x")).isEmpty();
        assertThat(g.consumerMap().get("w")).containsExactly(matmul);
    }

    @Test
    void deadNodesAndUnusedInitializersAreRemoved() {
        Graph g = TinyModels.linearRelu().graph();
        assertThat(g.removeDeadNodes()).isEqualTo(1);
        assertThat(g.nodes()).extracting(Node::opType).containsExactly("MatMul", "Add", "Relu");
        assertThat(g.removeUnusedInitializers()).isEqualTo(1);
        assertThat(g.initializers()).containsOnlyKeys("w", "b");
        // nothing more to remove: the negative case
        assertThat(g.removeDeadNodes()).isZero();
        assertThat(g.removeUnusedInitializers()).isZero();
    }

    @Test
    void rewiringAndReplacingNodesThenSortingRestoresOrder() {
        Graph g = TinyModels.linearRelu().graph();
        Node add = g.nodes().stream().filter(n -> n.is("Add")).findFirst().orElseThrow();
        NameScope names = g.nameScope();
        String scaled = names.fresh("scaled");
        // insert Mul(add, 2) between Add and Relu, appended at the end so the order is wrong
        g.addInitializer(Tensor.ofFloats(names.fresh("two"), new long[0], 2f));
        g.replaceAllUses(add.output(0), scaled);
        g.addNode(Node.of(names.fresh("mul"), "Mul", List.of(add.output(0), "two"), List.of(scaled)));
        g.sortTopologically();
        List<String> order = g.nodes().stream().map(Node::opType).toList();
        assertThat(order.indexOf("Mul")).isLessThan(order.indexOf("Relu")).isGreaterThan(order.indexOf("Add"));
    }

    @Test
    void aCycleIsReportedWithItsNodes() {
        Graph g = new Graph("cyclic");
        g.addNode(Node.of("a", "Relu", List.of("v2"), List.of("v1")));
        g.addNode(Node.of("b", "Relu", List.of("v1"), List.of("v2")));
        assertThatThrownBy(g::sortTopologically).hasMessageContaining("cycle").hasMessageContaining("a");
    }

    @Test
    void freshNamesNeverClash() {
        Graph g = TinyModels.linearRelu().graph();
        NameScope names = g.nameScope();
        assertThat(names.fresh("w")).isEqualTo("w_1");
        assertThat(names.fresh("w")).isEqualTo("w_2");
        assertThat(names.fresh("brand_new")).isEqualTo("brand_new");
    }

    @Test
    void constantValuesComeFromInitializersAndConstantNodes() {
        GraphBuilder b = new GraphBuilder("c", 17);
        String x = b.input("x", DataType.FLOAT, 2);
        Node constant = b.node("Constant").set("value", Tensor.ofLongs("v", new long[] {2}, 3, 4));
        String y = b.op("Reshape", x, constant.output(0));
        b.output(y, "y", DataType.FLOAT, 2);
        Graph g = b.build().graph();
        assertThat(g.constantValue(constant.output(0)).orElseThrow().toLongs()).containsExactly(3, 4);
        assertThat(g.constantValue("x")).isEmpty();
    }

    @Test
    void requireOpsetAddsDomainsButNeverSilentlyRaisesTheOnnxOpset() {
        OnnxModel m = TinyModels.linearRelu();
        m.requireOpset("com.microsoft", 1);
        assertThat(m.opsetVersion("com.microsoft")).hasValue(1);
        m.requireOpset("", 13);
        assertThat(m.opset()).isEqualTo(17);
        assertThatThrownBy(() -> m.requireOpset("", 21)).hasMessageContaining("opset 21 is needed");
    }
}
