package dev.nncj.data;

/**
 * Token ids of a batch of texts ready to feed a BERT-style ONNX model: {@code input_ids},
 * {@code attention_mask} (1 for a real token, 0 for padding) and {@code token_type_ids} (0 for the
 * first text, 1 for the second of a pair), all [batchSize, sequenceLength]. Arrays are shared, not
 * copied; equality is by identity, as for any record holding arrays.
 */
public record EncodedBatch(long[][] inputIds, long[][] attentionMask, long[][] tokenTypeIds) {

    public EncodedBatch {
        int rows = inputIds.length;
        if (attentionMask.length != rows || tokenTypeIds.length != rows) {
            throw new IllegalArgumentException("ids, mask and token types differ in batch size");
        }
        int width = rows == 0 ? 0 : inputIds[0].length;
        for (int i = 0; i < rows; i++) {
            if (inputIds[i].length != width || attentionMask[i].length != width || tokenTypeIds[i].length != width) {
                throw new IllegalArgumentException("row " + i + " is not " + width + " tokens long");
            }
        }
    }

    public int batchSize() {
        return inputIds.length;
    }

    public int sequenceLength() {
        return inputIds.length == 0 ? 0 : inputIds[0].length;
    }

    /** Real (unpadded) tokens in row {@code i}, special tokens included. */
    public int length(int i) {
        int n = 0;
        for (long m : attentionMask[i]) {
            n += (int) m;
        }
        return n;
    }
}
