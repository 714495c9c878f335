package dev.nncj.folder;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nncj.transformer.StructuredPruneResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a structural method changed in an encoder, in the terms {@code config.json} records.
 *
 * @param keptLayers for each layer of the result, the index of the input's layer it came from
 * @param keptHeads for each layer of the result, the input layer's heads it kept (indices among the
 *                  heads that layer had in the input model)
 * @param ffnWidths for each layer of the result, its FFN (intermediate) width
 */
public record ArchitectureEdit(List<Integer> keptLayers, List<int[]> keptHeads, List<Integer> ffnWidths) implements ConfigEdit {
    public ArchitectureEdit {
        keptLayers = List.copyOf(keptLayers);
        keptHeads = List.copyOf(keptHeads);
        ffnWidths = List.copyOf(ffnWidths);
        if (keptHeads.size() != keptLayers.size() || ffnWidths.size() != keptLayers.size()) {
            throw new IllegalArgumentException("one entry per kept layer: " + keptLayers.size() + " layers, "
                    + keptHeads.size() + " head lists, " + ffnWidths.size() + " FFN widths");
        }
        keptHeads.forEach(Objects::requireNonNull);
    }

    @Override
    public ObjectNode apply(ObjectNode config, Path file) {
        return HfConfig.apply(config, file, this);
    }

    /** What structured pruning kept, by the pruned model's input indices. */
    public static ArchitectureEdit of(StructuredPruneResult pruned) {
        return new ArchitectureEdit(pruned.layers(), pruned.keptHeads(),
                pruned.keptNeurons().stream().map(n -> n.length).toList());
    }
}
