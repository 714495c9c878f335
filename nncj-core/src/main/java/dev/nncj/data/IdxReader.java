package dev.nncj.data;

import dev.nncj.NncjException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST: a big-endian header of a 4-byte magic number
 * (two zero bytes, a type code, the number of dimensions), one 4-byte size per dimension, then the
 * values in row-major order. Only unsigned bytes (type code 0x08) exist in those data sets, so only
 * they are read: magic 0x00000803 for images [n, rows, cols], 0x00000801 for labels [n].
 *
 * <p>Files may be gzipped, as distributed; that is recognised by the gzip magic 0x1f8b, not by name.
 */
public final class IdxReader {
    public static final int IMAGES_MAGIC = 0x00000803;
    public static final int LABELS_MAGIC = 0x00000801;

    private static final int UNSIGNED_BYTE = 0x08;
    private static final int GZIP_MAGIC = 0x1f8b;

    /** The decoded contents: the shape from the header and the values, one unsigned byte each. */
    public record IdxArray(int[] shape, byte[] data) {
        /** The first dimension: number of images or labels. */
        public int count() {
            return shape[0];
        }

        /** Value {@code i} of the flat data as 0..255. */
        public int unsigned(int i) {
            return data[i] & 0xff;
        }
    }

    private IdxReader() {}

    /** Reads an image file: magic 0x00000803, shape [n, rows, cols]. */
    public static IdxArray readImages(Path file) {
        return read(file, IMAGES_MAGIC, "image");
    }

    /** Reads a label file: magic 0x00000801, shape [n]. */
    public static IdxArray readLabels(Path file) {
        return read(file, LABELS_MAGIC, "label");
    }

    private static IdxArray read(Path file, int expectedMagic, String kind) {
        try (InputStream raw = open(file); DataInputStream in = new DataInputStream(raw)) {
            int magic = readHeaderInt(file, in, 0);
            if (magic != expectedMagic) {
                throw NncjException.inFile(file, String.format(
                        "not an IDX %s file: magic number 0x%08X, expected 0x%08X%s",
                        kind, magic, expectedMagic, describe(magic)));
            }
            int[] shape = new int[magic & 0xff];
            long size = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = readHeaderInt(file, in, 4 + 4 * d);
                if (shape[d] < 0) {
                    throw NncjException.inFile(file,
                            "IDX header gives dimension " + d + " a negative size " + shape[d]);
                }
                size *= shape[d];
                if (size > Integer.MAX_VALUE - 8) {
                    throw NncjException.inFile(file, "IDX header declares more than 2^31 values: shape "
                            + Arrays.toString(shape));
                }
            }
            byte[] data = new byte[(int) size];
            int found = in.readNBytes(data, 0, data.length);
            if (found < data.length) {
                throw NncjException.inFile(file, "truncated IDX file: shape " + Arrays.toString(shape) + " needs "
                        + data.length + " bytes of data, found " + found);
            }
            if (in.read() != -1) {
                throw NncjException.inFile(file, "IDX file has more data than its header declares (shape "
                        + Arrays.toString(shape) + ")");
            }
            return new IdxArray(shape, data);
        } catch (EOFException e) {
            throw NncjException.inFile(file, "truncated IDX file: compressed data ends early", e);
        } catch (ZipException e) {
            throw NncjException.inFile(file, "corrupt gzip data: " + e.getMessage(), e);
        } catch (NoSuchFileException e) {
            throw NncjException.inFile(file, "file not found");
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot read: " + e.getMessage(), e);
        }
    }

    private static InputStream open(Path file) throws IOException {
        BufferedInputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        int first = in.read();
        int second = in.read();
        in.reset();
        boolean gzip = first >= 0 && second >= 0 && ((first << 8) | second) == GZIP_MAGIC;
        return gzip ? new GZIPInputStream(in, 1 << 16) : in;
    }

    private static int readHeaderInt(Path file, DataInputStream in, int offset) throws IOException {
        byte[] bytes = in.readNBytes(4);
        if (bytes.length < 4) {
            throw NncjException.inFile(file, "truncated IDX file: header ends at byte " + (offset + bytes.length));
        }
        return ((bytes[0] & 0xff) << 24) | ((bytes[1] & 0xff) << 16) | ((bytes[2] & 0xff) << 8) | (bytes[3] & 0xff);
    }

    /** A hint for the two mix-ups that happen in practice: images and labels swapped, wrong format. */
    private static String describe(int magic) {
        if (magic == IMAGES_MAGIC) {
            return " (this is an image file)";
        }
        if (magic == LABELS_MAGIC) {
            return " (this is a label file)";
        }
        if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xff) != UNSIGNED_BYTE) {
            return " (not unsigned-byte IDX data)";
        }
        return "";
    }
}
