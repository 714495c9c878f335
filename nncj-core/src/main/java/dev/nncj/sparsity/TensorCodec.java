package dev.nncj.sparsity;

import java.util.Optional;

/**
 * How one tensor's bytes are coded in an {@link NncjContainer}. The id is written in the file, so
 * ids are never reused: a reader that meets an id it does not know refuses the file by name.
 */
public enum TensorCodec {
    /** The raw_data bytes as they are. */
    RAW(0),
    /** {@link BitmaskCodec}: one bit per element saying non-zero, then the non-zero elements' bytes. */
    BITMASK(1),
    /** {@link HuffmanCodec}: positions of the non-zeros and their values, Huffman-coded (uint8 cluster indices). */
    HUFFMAN(2);

    private final int id;

    TensorCodec(int id) {
        this.id = id;
    }

    public int id() {
        return id;
    }

    public static Optional<TensorCodec> of(int id) {
        for (TensorCodec c : values()) {
            if (c.id == id) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
