package dev.nncj.share;

import dev.nncj.transformer.EncoderSpec;
import java.util.List;

/**
 * A shared encoder and what sharing did.
 *
 * @param groups the original layer indexes of each group, in order
 * @param layerParametersBefore parameters of the layer stack before (embeddings, pooler and head excluded)
 * @param layerParametersAfter the same after, each shared layer counted once
 */
public record CrossLayerResult(EncoderSpec spec, List<List<Integer>> groups, long layerParametersBefore,
                               long layerParametersAfter) {
    public CrossLayerResult {
        groups = groups.stream().map(List::copyOf).toList();
    }
}
