package dev.nncj.data;

/**
 * How a batch of token sequences is made rectangular. LONGEST pads to the longest sequence of each
 * batch (least work for ONNX Runtime on short sentences); MAX_LENGTH pads every batch to
 * {@link TokenizerOptions#maxLength()} (one fixed shape, what a fixed-shape export or a latency
 * benchmark at "seq 128" needs).
 */
public enum Padding {
    LONGEST,
    MAX_LENGTH
}
