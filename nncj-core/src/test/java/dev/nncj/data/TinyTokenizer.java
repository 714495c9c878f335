package dev.nncj.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A lower-casing WordPiece tokenizer.json in the layout of BERT's, with 14 tokens: [UNK] 0, [PAD] 1
 * (deliberately not 0, so a hard-coded pad id would show), [CLS] 2, [SEP] 3, the 4, cat 5, sat 6,
 * on 7, mat 8, dog 9, ##s 10, a 11, "." 12, and [MASK] 13 only as an added token.
 */
public final class TinyTokenizer {
    public static final int VOCABULARY_SIZE = 14;

    private static final String VOCAB = """
            {"[UNK]": 0, "[PAD]": 1, "[CLS]": 2, "[SEP]": 3, "the": 4, "cat": 5, "sat": 6, "on": 7,
             "mat": 8, "dog": 9, "##s": 10, "a": 11, ".": 12}""";

    public static final String JSON = """
            {
              "version": "1.0",
              "truncation": null,
              "padding": null,
              "added_tokens": [
                {"id": 0, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                {"id": 1, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                {"id": 2, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                {"id": 3, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
                {"id": 13, "content": "[MASK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
              ],
              "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                             "strip_accents": null, "lowercase": true},
              "pre_tokenizer": {"type": "BertPreTokenizer"},
              "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                           {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                         {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                         {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                "special_tokens": {
                  "[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                  "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}
                }
              },
              "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
              "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                        "max_input_chars_per_word": 100, "vocab": VOCAB}
            }
            """.replace("VOCAB", VOCAB);

    private TinyTokenizer() {}

    /** Writes the tokenizer as {@code dir/tokenizer.json} and returns its path. */
    public static Path write(Path dir) throws IOException {
        return Files.writeString(dir.resolve("tokenizer.json"), JSON);
    }
}
