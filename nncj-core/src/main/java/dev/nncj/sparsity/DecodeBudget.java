package dev.nncj.sparsity;

import dev.nncj.NncjException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * How many bytes unpacking one container may decode to, claimed before anything is allocated: at
 * most {@link #MAX_RATIO} times the file's size (or {@link #FLOOR}, whichever is larger), and never
 * more than the JVM's heap has free. Why these figures: {@link NncjContainer}'s class comment.
 */
final class DecodeBudget {
    /** Real containers decode to at most 10x their size (44x for a useless 99%-sparse one); deflate alone reaches 1032x. */
    static final long MAX_RATIO = 256;
    /** Lets a toy model's all-zero tensors unpack however small its container is. */
    static final long FLOOR = 1 << 20;
    /** The largest Java array (a few bytes under 2 GB, as the JDK's own collections allow). */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final Path file;
    private final long fileSize;
    private final long ratioLimit;
    private final long heapFree;
    private final long heapMax;
    private long claimed;

    DecodeBudget(Path file, long fileSize, long heapFree, long heapMax) {
        this.file = file;
        this.fileSize = fileSize;
        this.ratioLimit = Math.max(FLOOR, fileSize > Long.MAX_VALUE / MAX_RATIO ? Long.MAX_VALUE : fileSize * MAX_RATIO);
        this.heapFree = heapFree;
        this.heapMax = heapMax;
    }

    /** The budget for {@code file} of {@code fileSize} bytes in this JVM as it is now. */
    static DecodeBudget forFile(Path file, long fileSize) {
        Runtime rt = Runtime.getRuntime();
        long used = rt.totalMemory() - rt.freeMemory();
        return new DecodeBudget(file, fileSize, rt.maxMemory() - used, rt.maxMemory());
    }

    /** Bytes one array may still take: what is left of the budget, and at most {@link #MAX_ARRAY}. */
    int arrayLimit() {
        return (int) Math.max(0, Math.min(MAX_ARRAY, Math.min(ratioLimit, heapFree) - claimed));
    }

    /**
     * Counts {@code bytes} the decoding will hold against the budget.
     *
     * @param what the field that asks for them, with its size ("tensor w declares 10 elements of float32 (40 bytes)"),
     *     only formatted for a refusal
     */
    void claim(long bytes, Supplier<String> what) {
        if (bytes > ratioLimit - claimed || bytes > heapFree - claimed) {
            throw refusal(bytes, what.get());
        }
        claimed += bytes;
    }

    /** Whether a buffer of the file's own bytes (a payload, the compressed graph) fits in the heap; it is not decoded output. */
    void checkHeap(long bytes, String what) {
        if (bytes > heapFree - claimed) {
            throw heapRefusal(what);
        }
    }

    /** The refusal for {@code what}, which needs {@code bytes}: by the ratio, the heap or Java's array size, whichever binds. */
    NncjException refusal(long bytes, String what) {
        if (bytes > ratioLimit - claimed) {
            return NncjException.inFile(file, String.format(Locale.ROOT,
                    "is corrupt or a decompression bomb: %s, past the %,d bytes a container of %,d bytes may decode to "
                            + "(%d times its size, at least 1 MiB)", what, ratioLimit, fileSize, MAX_RATIO));
        }
        if (bytes > heapFree - claimed) {
            return heapRefusal(what);
        }
        return NncjException.inFile(file, "is corrupt: " + what + ", more than one Java array holds (2 GB)");
    }

    private NncjException heapRefusal(String what) {
        return NncjException.inFile(file, String.format(Locale.ROOT,
                "cannot unpack: %s, past the %,d bytes the JVM has free (its heap limit, -Xmx, is %,d bytes)",
                what, Math.max(0, heapFree - claimed), heapMax));
    }
}
