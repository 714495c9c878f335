package dev.nncj.data;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * The character encodings a data file may be in. UTF-8 is read strictly (a byte sequence that is not
 * UTF-8 is an error, never a replacement character that silently changes tokenization); Latin-1
 * (ISO-8859-1) maps every byte to a character, so it cannot fail, and is what older public sets (TREC,
 * MR, SUBJ) are distributed in.
 */
public enum TextEncoding {
    UTF_8(StandardCharsets.UTF_8),
    LATIN_1(StandardCharsets.ISO_8859_1);

    private final Charset charset;

    TextEncoding(Charset charset) {
        this.charset = charset;
    }

    public Charset charset() {
        return charset;
    }
}
