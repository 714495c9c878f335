package dev.nncj.data;

import dev.nncj.NncjException;
import dev.nncj.OptionName;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reads a whole text file in a {@link TextEncoding}, UTF-8 strictly, so that a file in another encoding
 * fails naming the file and the line instead of turning into replacement characters that silently
 * change tokenization. A byte-order mark is dropped.
 */
final class TextFiles {
    private TextFiles() {}

    /** A file whose format is UTF-8 (tokenizer.json): another encoding is not the user's choice to make. */
    static String readUtf8(Path file) {
        return decode(file, readBytes(file), TextEncoding.UTF_8, false);
    }

    /** A data file in {@code encoding}; a UTF-8 failure says which encoding option would read it. */
    static String read(Path file, TextEncoding encoding) {
        return decode(file, readBytes(file), encoding, true);
    }

    private static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw NncjException.inFile(file, "file not found");
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot read: " + e.getMessage(), e);
        }
    }

    private static String decode(Path file, byte[] bytes, TextEncoding encoding, boolean hint) {
        CharsetDecoder decoder = encoding.charset().newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate((int) Math.ceil(bytes.length * (double) decoder.maxCharsPerByte()) + 1);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw notInEncoding(file, bytes, in.position(), encoding, hint);
        }
        String text = out.flip().toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    /** "FILE:LINE: not valid UTF-8 (byte 0xE9); if the file is Latin-1, give --encoding latin-1". */
    private static NncjException notInEncoding(Path file, byte[] bytes, int position, TextEncoding encoding, boolean hint) {
        long line = 1;
        for (int i = 0; i < position; i++) {
            if (bytes[i] == '\n') {
                line++;
            }
        }
        String problem = file + ":" + line + ": not valid " + encoding.charset().name().replace("ISO-8859-1", "Latin-1")
                + String.format(Locale.ROOT, " (byte 0x%02X)", bytes[position] & 0xFF);
        if (!hint || encoding != TextEncoding.UTF_8) {
            return new NncjException(problem);
        }
        return new NncjException(problem + "; if the file is Latin-1 (ISO-8859-1), give ", OptionName.of("encoding"),
                " latin-1");
    }
}
