package dev.nncj.train.finetune;

import dev.nncj.NncjException;
import dev.nncj.data.EncodedBatch;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.onnx.Tensor;
import dev.nncj.train.trainer.Batch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A text-classification dataset as tokenized training batches with dynamic padding: each batch is
 * padded only to its own longest example (the tokenizer pads to the longest of each call), so short
 * batches cost short sequences. The inputs a BERT graph may take are filled by name.
 */
public final class TextBatches {
    public static final String IDS = "input_ids";
    public static final String MASK = "attention_mask";
    public static final String TYPES = "token_type_ids";

    private TextBatches() {}

    /**
     * Batches of {@code batchSize} consecutive examples (the trainer shuffles batch order) with the
     * inputs among input_ids, attention_mask and token_type_ids that {@code graphInputs} names.
     */
    public static List<Batch> of(TextClassificationDataset data, TextTokenizer tokenizer, int batchSize,
            List<String> graphInputs) {
        return of(data.texts(), data.isPairs() ? data.textPairs() : null,
                data.examples().stream().mapToLong(TextClassificationDataset.Example::label).toArray(),
                tokenizer, batchSize, graphInputs);
    }

    /**
     * As {@link #of(TextClassificationDataset, TextTokenizer, int, List)} for plain texts with one
     * label each; {@code pairs} holds the second texts of a sentence-pair task, or is null.
     */
    public static List<Batch> of(List<String> texts, List<String> pairs, long[] labels, TextTokenizer tokenizer,
            int batchSize, List<String> graphInputs) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (labels.length != texts.size() || (pairs != null && pairs.size() != texts.size())) {
            throw new IllegalArgumentException(texts.size() + " texts but " + labels.length + " labels");
        }
        for (String name : graphInputs) {
            if (!List.of(IDS, MASK, TYPES).contains(name)) {
                throw new NncjException("graph input " + name + " is not one a text batch provides ("
                        + IDS + ", " + MASK + ", " + TYPES + ")");
            }
        }
        List<Batch> out = new ArrayList<>();
        for (int start = 0; start < texts.size(); start += batchSize) {
            int end = Math.min(texts.size(), start + batchSize);
            List<String> part = texts.subList(start, end);
            EncodedBatch encoded = pairs != null ? tokenizer.encodePairs(part, pairs.subList(start, end))
                    : tokenizer.encode(part);
            long[] shape = {encoded.batchSize(), encoded.sequenceLength()};
            Map<String, Tensor> inputs = new HashMap<>();
            for (String name : graphInputs) {
                long[][] rows = switch (name) {
                    case IDS -> encoded.inputIds();
                    case MASK -> encoded.attentionMask();
                    default -> encoded.tokenTypeIds();
                };
                inputs.put(name, Tensor.ofLongs(name, shape, Arrays.stream(rows).flatMapToLong(Arrays::stream).toArray()));
            }
            out.add(new Batch(inputs, Arrays.copyOfRange(labels, start, end)));
        }
        return out;
    }
}
