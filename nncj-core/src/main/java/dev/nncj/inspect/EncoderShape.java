package dev.nncj.inspect;

/**
 * The dimensions of a transformer encoder as far as a name- and shape-based look can tell. Fields
 * that could not be found are -1. The surgery lifter replaces this with an exact structure.
 *
 * @param layers attention layers (Softmax nodes, or fused attention ops)
 * @param hiddenSize width of the word embedding table
 * @param heads attention heads per layer (from the head-splitting Reshape, or num_heads)
 * @param headSize hidden size / heads
 * @param ffnSize inner width of the feed-forward blocks (most common H x F projection)
 * @param vocabularySize rows of the word embedding table
 * @param maxPositions rows of the position embedding table, -1 when absent
 */
public record EncoderShape(int layers, int hiddenSize, int heads, int headSize, int ffnSize,
                           int vocabularySize, int maxPositions) {}
