package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.train.distill.DistillOptions;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import picocli.CommandLine.Option;

/**
 * The layer-wise distillation terms: hidden-state MSE and attention KL between mapped layers of
 * student and teacher (TinyBERT, MiniLM). Shared by {@code distill}, the {@code --recover} of the
 * compression commands and {@code quantize --qat}: after pruning, the hidden states carry more of the
 * teacher than its logits.
 */
final class LayerLossOptions {
    @Option(names = "--hidden-weight", defaultValue = "0", paramLabel = "W",
            description = "weight of the hidden-state MSE between mapped layers (default ${DEFAULT-VALUE})")
    double hiddenWeight;

    @Option(names = "--attention-weight", defaultValue = "0", paramLabel = "W",
            description = "weight of the attention KL between mapped layers (default ${DEFAULT-VALUE})")
    double attentionWeight;

    @Option(names = "--layer-map", paramLabel = "S:T,...",
            description = "student layer : teacher layer pairs for the hidden and attention terms, e.g. 0:1,1:3,2:5"
                    + " (default: the teacher layer each student layer was taken from, or uniform)")
    String layerMap;

    /**
     * For the compression commands: the terms shape the distillation {@code option} (--recover, --qat) runs
     * and mean nothing without it.
     */
    void checkUsedWith(boolean training, String option) {
        if (!training && (hiddenWeight != 0 || attentionWeight != 0 || layerMap != null)) {
            throw new NncjException("--hidden-weight, --attention-weight and --layer-map are for " + option);
        }
        applyTo(DistillOptions.recovery()); // the numbers and the mapping's syntax, before any work
    }

    /** {@code base} with these weights and, when given, this mapping. */
    DistillOptions applyTo(DistillOptions base) {
        try {
            DistillOptions options = base.withHiddenWeight(hiddenWeight).withAttentionWeight(attentionWeight);
            return layerMap == null ? options : options.withLayerMap(parseLayerMap(layerMap));
        } catch (IllegalArgumentException e) {
            throw new NncjException(e.getMessage());
        }
    }

    Optional<Map<Integer, Integer>> layerMap() {
        return Optional.ofNullable(layerMap).map(LayerLossOptions::parseLayerMap);
    }

    /** "0:1,1:3" as {0=1, 1=3}. */
    static Map<Integer, Integer> parseLayerMap(String text) {
        Map<Integer, Integer> map = new TreeMap<>();
        for (String pair : text.split(",")) {
            String[] parts = pair.strip().split(":");
            try {
                if (parts.length != 2 || map.put(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip())) != null) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new NncjException("--layer-map: '" + pair.strip() + "' is not STUDENT:TEACHER (layer indexes, each"
                        + " student layer once), e.g. 0:1,1:3,2:5");
            }
        }
        return map;
    }
}
