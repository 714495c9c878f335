package dev.nncj.data;

import dev.nncj.NncjException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a whole text file as strict UTF-8, so that a file in another encoding fails with its name
 * instead of turning into replacement characters that silently change tokenization.
 */
final class Utf8Text {
    private Utf8Text() {}

    static String read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw NncjException.inFile(file, "file not found");
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot read: " + e.getMessage(), e);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw NncjException.inFile(file, "not UTF-8 text", e);
        }
        return text.startsWith("\uFEFF") ? text.substring(1) : text; // byte-order mark
    }
}
