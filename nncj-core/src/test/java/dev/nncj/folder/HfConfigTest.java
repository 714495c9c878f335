package dev.nncj.folder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nncj.NncjException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class HfConfigTest {
    private static final Path FILE = Path.of("config.json");

    private static ObjectNode config(String json) throws Exception {
        return (ObjectNode) new ObjectMapper().readTree(json);
    }

    @Test
    void headsPrunedBeforeAreKeptAndNewOnesAddedByTheirUnprunedIndex() throws Exception {
        // 4 heads; layer 1 already lost head 0, so its heads 0,1,2 are the unpruned 1,2,3
        ObjectNode before = config("{\"num_hidden_layers\": 3, \"num_attention_heads\": 4, \"intermediate_size\": 16,"
                + " \"pruned_heads\": {\"1\": [0]}, \"id2label\": {\"0\": \"no\", \"1\": \"yes\"}}");
        // keep input layers 1 and 2: of layer 1 its heads 0 and 2 (unpruned 1, 3), of layer 2 all four
        ObjectNode after = HfConfig.apply(before, FILE, new ArchitectureEdit(List.of(1, 2),
                List.of(new int[] {0, 2}, new int[] {0, 1, 2, 3}), List.of(16, 16)));
        assertThat(after.get("num_hidden_layers").asInt()).isEqualTo(2);
        assertThat(after.get("num_attention_heads").asInt()).isEqualTo(4);
        assertThat(after.get("pruned_heads").toString()).isEqualTo("{\"0\":[0,2]}");
        assertThat(after.get("intermediate_size").asInt()).isEqualTo(16);
        assertThat(HfConfig.labelNames(after)).containsEntry(1, "yes");
        assertThat(before.get("num_hidden_layers").asInt()).isEqualTo(3); // a copy is edited
    }

    @Test
    void differentFfnWidthsKeepIntermediateSizeAndSaySo() throws Exception {
        ObjectNode after = HfConfig.apply(config("{\"num_attention_heads\": 2, \"intermediate_size\": 16}"), FILE,
                new ArchitectureEdit(List.of(0, 1), List.of(new int[] {0, 1}, new int[] {0, 1}), List.of(12, 8)));
        assertThat(after.get("intermediate_size").asInt()).isEqualTo(16);
        assertThat(after.get(HfConfig.PER_LAYER_FFN_KEY).toString()).isEqualTo("[12,8]");
        assertThat(after.get(HfConfig.NOTE_KEY).asText()).contains("different FFN widths");
        assertThat(after.get("pruned_heads").size()).isZero();
    }

    @Test
    void aConfigWithFewerHeadsThanTheModelIsNamed() throws Exception {
        assertThatThrownBy(() -> HfConfig.apply(config("{\"num_attention_heads\": 1}"), FILE,
                new ArchitectureEdit(List.of(0), List.of(new int[] {1}), List.of(4))))
                .isInstanceOf(NncjException.class).hasMessageContaining("config.json").hasMessageContaining("disagrees");
    }

    @Test
    void aClassifierKeepsLabelsThatFitAndOtherwiseGetsTransformersDefaults() throws Exception {
        ObjectNode named = config("{\"id2label\": {\"0\": \"no\", \"1\": \"yes\"}, \"label2id\": {\"no\": 0, \"yes\": 1}}");
        assertThat(HfConfig.classifier(2).apply(named, FILE)).isEqualTo(named);
        ObjectNode three = HfConfig.classifier(3).apply(named, FILE);
        assertThat(HfConfig.labelNames(three)).containsExactly(java.util.Map.entry(0, "LABEL_0"), java.util.Map.entry(1, "LABEL_1"),
                java.util.Map.entry(2, "LABEL_2"));
        assertThat(three.get("label2id").get("LABEL_2").asInt()).isEqualTo(2);
    }
}
