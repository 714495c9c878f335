package dev.nncj.folder;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nncj.NncjException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A Hugging Face {@code config.json}: read, its labels looked up, and rewritten after a structural
 * change so that a loader rebuilds the architecture the ONNX model has.
 *
 * <p>How Transformers records a pruned encoder, and so how this class does: {@code num_hidden_layers}
 * is the layer count; {@code num_attention_heads} stays the unpruned count and {@code pruned_heads}
 * maps a layer index (as a string key) to the heads removed from it, by their unpruned indices
 * ({@code PreTrainedModel.prune_heads}; {@code from_pretrained} prunes those heads again before it
 * loads the weights); {@code intermediate_size} is one width for every layer, so when layers keep
 * different FFN widths it stays as it was and {@code nncj_intermediate_sizes} with a
 * {@code nncj_note} say what Transformers cannot express. Everything else ({@code id2label},
 * {@code label2id}, the tokenizer's settings) is kept as it was.
 */
public final class HfConfig {
    public static final String PER_LAYER_FFN_KEY = "nncj_intermediate_sizes";
    public static final String NOTE_KEY = "nncj_note";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private HfConfig() {}

    /** {@code file} parsed; a file that is not a JSON object is named in one line. */
    public static ObjectNode read(Path file) {
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (node instanceof ObjectNode object) {
                return object;
            }
            throw NncjException.inFile(file, "is not a JSON object; a Hugging Face config.json is one");
        } catch (JsonProcessingException e) {
            throw NncjException.inFile(file, "is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot read: " + e.getMessage(), e);
        }
    }

    /** The bytes a config is written as: indented like Transformers' own {@code save_pretrained}. */
    public static byte[] bytes(ObjectNode config) {
        try {
            return JSON.writeValueAsBytes(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    /** The class names of {@code id2label} by class index; empty when the config has none. */
    public static Map<Integer, String> labelNames(ObjectNode config) {
        Map<Integer, String> names = new TreeMap<>();
        JsonNode id2label = config.path("id2label");
        for (Iterator<Map.Entry<String, JsonNode>> it = id2label.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                names.put(Integer.parseInt(e.getKey().trim()), e.getValue().asText());
            } catch (NumberFormatException ignored) {
                // a key that is not a class index names no class NNCJ reports
            }
        }
        return names;
    }

    /** The labels of the config beside {@code model} (a model folder's), if any. */
    public static Map<Integer, String> labelNamesBeside(Path model) {
        Path config = model.toAbsolutePath().resolveSibling(ModelFolder.CONFIG_FILE);
        return Files.isRegularFile(config) ? labelNames(read(config)) : Map.of();
    }

    /** A copy of {@code config} (read from {@code file}) describing the architecture after {@code edit}. */
    public static ObjectNode apply(ObjectNode config, Path file, ArchitectureEdit edit) {
        ObjectNode out = config.deepCopy();
        out.put("num_hidden_layers", edit.keptLayers().size());
        Optional<Integer> heads = config.hasNonNull("num_attention_heads")
                ? Optional.of(config.get("num_attention_heads").asInt()) : Optional.empty();
        heads.ifPresent(h -> putPrunedHeads(out, prunedHeads(config, file, h, edit)));
        TreeSet<Integer> widths = new TreeSet<>(edit.ffnWidths());
        out.remove(List.of(PER_LAYER_FFN_KEY, NOTE_KEY));
        if (widths.size() == 1) {
            out.put("intermediate_size", widths.first());
        } else if (widths.size() > 1) {
            ArrayNode sizes = out.putArray(PER_LAYER_FFN_KEY);
            edit.ffnWidths().forEach(sizes::add);
            out.put(NOTE_KEY, "layers keep different FFN widths (" + PER_LAYER_FFN_KEY + "); intermediate_size is the"
                    + " unpruned one, since Transformers has a single width: model.onnx is right, a PyTorch model rebuilt"
                    + " from this config is not");
        }
        return out;
    }

    /**
     * The config of a classifier of {@code classes} classes made from this model (fine-tuning an encoder):
     * {@code id2label}/{@code label2id} kept when they name exactly that many classes, else Transformers'
     * defaults LABEL_0, LABEL_1, ... (what {@code from_pretrained(num_labels=n)} writes).
     */
    public static ConfigEdit classifier(int classes) {
        return (config, file) -> {
            if (labelNames(config).keySet().equals(java.util.stream.IntStream.range(0, classes).boxed()
                    .collect(java.util.stream.Collectors.toSet()))) {
                return config.deepCopy();
            }
            ObjectNode out = config.deepCopy();
            ObjectNode id2label = out.putObject("id2label");
            ObjectNode label2id = out.putObject("label2id");
            for (int k = 0; k < classes; k++) {
                id2label.put(Integer.toString(k), "LABEL_" + k);
                label2id.put("LABEL_" + k, k);
            }
            return out;
        };
    }

    /** Heads removed per result layer, by unpruned index, from this edit and the pruning the config already records. */
    private static Map<Integer, List<Integer>> prunedHeads(ObjectNode config, Path file, int heads, ArchitectureEdit edit) {
        Map<Integer, TreeSet<Integer>> before = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = config.path("pruned_heads").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            TreeSet<Integer> removed = new TreeSet<>();
            e.getValue().forEach(h -> removed.add(h.asInt()));
            try {
                before.put(Integer.parseInt(e.getKey().trim()), removed);
            } catch (NumberFormatException x) {
                throw NncjException.inFile(file, "pruned_heads has the key \"" + e.getKey() + "\"; its keys are layer indices");
            }
        }
        Map<Integer, List<Integer>> after = new TreeMap<>();
        for (int i = 0; i < edit.keptLayers().size(); i++) {
            TreeSet<Integer> removedBefore = before.getOrDefault(edit.keptLayers().get(i), new TreeSet<>());
            List<Integer> present = new ArrayList<>(); // the input layer's heads, by unpruned index
            for (int h = 0; h < heads; h++) {
                if (!removedBefore.contains(h)) {
                    present.add(h);
                }
            }
            TreeSet<Integer> removed = new TreeSet<>(removedBefore);
            removed.addAll(present);
            for (int kept : edit.keptHeads().get(i)) {
                if (kept >= present.size()) {
                    throw NncjException.inFile(file, "disagrees with the model: layer " + edit.keptLayers().get(i) + " has "
                            + present.size() + " heads by num_attention_heads and pruned_heads, the model more");
                }
                removed.remove(present.get(kept));
            }
            if (!removed.isEmpty()) {
                after.put(i, List.copyOf(removed));
            }
        }
        return after;
    }

    private static void putPrunedHeads(ObjectNode config, Map<Integer, List<Integer>> pruned) {
        ObjectNode map = config.putObject("pruned_heads");
        pruned.forEach((layer, heads) -> {
            ArrayNode list = map.putArray(Integer.toString(layer));
            heads.forEach(list::add);
        });
    }
}
