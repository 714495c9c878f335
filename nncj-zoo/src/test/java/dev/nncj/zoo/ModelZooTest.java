package dev.nncj.zoo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Finding a zoo model by the name a user types. */
class ModelZooTest {
    @Test
    void theUpstreamSpellingFindsTheModel() {
        assertThat(ModelZoo.find("all-MiniLM-L6-v2").map(ZooModel::name)).contains("all-minilm-l6-v2");
        assertThat(ModelZoo.find("BGE-small-en-v1.5").map(ZooModel::name)).contains("bge-small-en-v1.5");
    }

    @Test
    void aNameNotInTheZooFindsNothing() {
        assertThat(ModelZoo.find("all-MiniLM-L12-v2")).isEmpty();
    }
}
