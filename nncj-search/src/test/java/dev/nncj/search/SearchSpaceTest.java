package dev.nncj.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {
    /** MiniLM's shape: 6 layers of 12 heads and 1536 FFN units; heads in steps of 2, FFN of 128. */
    static SearchSpace miniLm() {
        return new SearchSpace(new int[] {12, 12, 12, 12, 12, 12}, new int[] {1536, 1536, 1536, 1536, 1536, 1536},
                2, 2, 128, List.of(NumericForm.values()), List.of(TokenTableForm.values()));
    }

    @Test
    void samplesMutationsAndCrossoversNeverLeaveTheSpace() {
        SearchSpace space = miniLm();
        Random random = new Random(7);
        Set<Integer> depths = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            Architecture a = space.sample(random);
            Architecture b = space.sample(random);
            depths.add(a.depth());
            assertThat(space.contains(a)).as(a.toString()).isTrue();
            assertThat(space.contains(space.mutate(a, random))).isTrue();
            assertThat(space.contains(space.crossover(a, b, random))).isTrue();
        }
        assertThat(depths).containsExactlyInAnyOrder(2, 3, 4, 5, 6);
    }

    @Test
    void theTeacherIsInTheSpaceAndAnOddWidthIsNot() {
        SearchSpace space = miniLm();
        assertThat(space.contains(space.full(NumericForm.FP32, TokenTableForm.FP32))).isTrue();
        assertThat(space.contains(Architecture.parse("layers 0,1 heads 3,2 ffn 128,128 fp32 table-fp32"))).isFalse();
        assertThat(space.contains(Architecture.parse("layers 0,1 heads 2,2 ffn 100,128 fp32 table-fp32"))).isFalse();
        assertThat(space.contains(Architecture.parse("layers 4 heads 2 ffn 128 fp32 table-fp32"))).isFalse();
    }

    @Test
    void aChildKeepsEveryLayerBothParentsKeep() {
        SearchSpace space = miniLm();
        Architecture a = Architecture.parse("layers 0,2,4 heads 2,4,6 ffn 128,256,384 fp32 table-fp32");
        Architecture b = Architecture.parse("layers 1,2,4 heads 8,10,12 ffn 512,640,768 int8-static table-int4");
        Random random = new Random(1);
        for (int i = 0; i < 200; i++) {
            Architecture child = space.crossover(a, b, random);
            assertThat(child.layers()).extracting(LayerChoice::source).contains(2, 4);
            LayerChoice second = child.layers().stream().filter(c -> c.source() == 2).findFirst().orElseThrow();
            assertThat(second).isIn(a.layers().get(1), b.layers().get(1));
        }
    }
}
