package dev.nncj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextTokenizerTest {
    @TempDir
    Path dir;

    private Path tokenizerFile(String json) throws Exception {
        return Files.writeString(dir.resolve("tokenizer.json"), json);
    }

    private TextTokenizer load(TokenizerOptions options) throws Exception {
        return TextTokenizer.load(tokenizerFile(TinyTokenizer.JSON), options);
    }

    @Test
    void addsSpecialTokensAndPadsToLongest() throws Exception {
        try (TextTokenizer tokenizer = load(TokenizerOptions.defaults())) {
            // "The" is lower-cased; "dogs" splits into dog ##s; "zebra" is unknown
            EncodedBatch batch = tokenizer.encode(List.of("The cat sat on the mat.", "dogs", "zebra"));
            assertThat(batch.batchSize()).isEqualTo(3);
            assertThat(batch.sequenceLength()).isEqualTo(9);
            assertThat(batch.inputIds()[0]).containsExactly(2, 4, 5, 6, 7, 4, 8, 12, 3);
            assertThat(batch.inputIds()[1]).containsExactly(2, 9, 10, 3, 1, 1, 1, 1, 1);
            assertThat(batch.inputIds()[2]).containsExactly(2, 0, 3, 1, 1, 1, 1, 1, 1);
            assertThat(batch.attentionMask()[0]).containsOnly(1L);
            assertThat(batch.attentionMask()[1]).containsExactly(1, 1, 1, 1, 0, 0, 0, 0, 0);
            assertThat(batch.tokenTypeIds()[1]).containsOnly(0L);
            assertThat(batch.length(1)).isEqualTo(4);
        }
    }

    @Test
    void padsToMaxLength() throws Exception {
        try (TextTokenizer tokenizer = load(new TokenizerOptions(12, Padding.MAX_LENGTH, true))) {
            EncodedBatch batch = tokenizer.encode(List.of("dogs"));
            assertThat(batch.sequenceLength()).isEqualTo(12);
            assertThat(batch.inputIds()[0]).containsExactly(2, 9, 10, 3, 1, 1, 1, 1, 1, 1, 1, 1);
            assertThat(batch.attentionMask()[0]).containsExactly(1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
        }
    }

    @Test
    void truncatesToMaxLengthCountingSpecialTokens() throws Exception {
        try (TextTokenizer tokenizer = load(new TokenizerOptions(5, Padding.MAX_LENGTH, true))) {
            EncodedBatch batch = tokenizer.encode(List.of("the cat sat on the mat", "a"));
            assertThat(batch.inputIds()[0]).containsExactly(2, 4, 5, 6, 3);
            assertThat(batch.inputIds()[1]).containsExactly(2, 11, 3, 1, 1);
            assertThat(batch.attentionMask()[0]).containsOnly(1L);
        }
    }

    @Test
    void withoutTruncationLongestKeepsEverythingAndMaxLengthRefuses() throws Exception {
        try (TextTokenizer tokenizer = load(new TokenizerOptions(4, Padding.LONGEST, false))) {
            EncodedBatch batch = tokenizer.encode(List.of("the cat sat on the mat"));
            assertThat(batch.sequenceLength()).isEqualTo(8);
        }
        Path file = tokenizerFile(TinyTokenizer.JSON);
        try (TextTokenizer tokenizer = TextTokenizer.load(file, new TokenizerOptions(4, Padding.MAX_LENGTH, false))) {
            assertThatThrownBy(() -> tokenizer.encode(List.of("a", "the cat sat on the mat")))
                    .isInstanceOf(NncjException.class)
                    .hasMessage(file + ": a text has 8 tokens, more than maxLength 4, and truncation is off");
        }
    }

    @Test
    void encodesPairsWithTokenTypes() throws Exception {
        try (TextTokenizer tokenizer = load(TokenizerOptions.defaults())) {
            EncodedBatch batch = tokenizer.encodePairs(List.of("the cat", "a"), List.of("a dog", "mat"));
            assertThat(batch.inputIds()[0]).containsExactly(2, 4, 5, 3, 11, 9, 3);
            assertThat(batch.tokenTypeIds()[0]).containsExactly(0, 0, 0, 0, 1, 1, 1);
            assertThat(batch.inputIds()[1]).containsExactly(2, 11, 3, 8, 3, 1, 1);
            assertThat(batch.tokenTypeIds()[1]).containsExactly(0, 0, 0, 1, 1, 0, 0);
            assertThat(batch.attentionMask()[1]).containsExactly(1, 1, 1, 1, 1, 0, 0);
            assertThatThrownBy(() -> tokenizer.encodePairs(List.of("a"), List.of()))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void pairTruncationTrimsTheLongerText() throws Exception {
        try (TextTokenizer tokenizer = load(new TokenizerOptions(7, Padding.LONGEST, true))) {
            // 4 + 1 text tokens + 3 special = 8 > 7: one token comes off the longer first text
            EncodedBatch batch = tokenizer.encodePairs(List.of("the cat sat on"), List.of("mat"));
            assertThat(batch.inputIds()[0]).containsExactly(2, 4, 5, 6, 3, 8, 3);
        }
    }

    @Test
    void emptyBatch() throws Exception {
        try (TextTokenizer tokenizer = load(TokenizerOptions.defaults())) {
            EncodedBatch batch = tokenizer.encode(List.of());
            assertThat(batch.batchSize()).isZero();
            assertThat(batch.sequenceLength()).isZero();
        }
    }

    @Test
    void vocabularySizeCountsAddedTokens() throws Exception {
        try (TextTokenizer tokenizer = load(TokenizerOptions.defaults())) {
            assertThat(tokenizer.vocabularySize()).isEqualTo(14); // [MASK] = 13 is only in added_tokens
            assertThat(tokenizer.padId()).isEqualTo(1);
        }
    }

    @Test
    void padIdFromTheTokenizersOwnPaddingSettings() throws Exception {
        String json = TinyTokenizer.JSON.replace("\"padding\": null", """
                "padding": {"strategy": "BatchLongest", "direction": "Right", "pad_to_multiple_of": null,
                            "pad_id": 13, "pad_type_id": 0, "pad_token": "[MASK]"}""");
        try (TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile(json), TokenizerOptions.defaults())) {
            EncodedBatch batch = tokenizer.encode(List.of("a", "the cat"));
            assertThat(batch.inputIds()[0]).containsExactly(2, 11, 3, 13);
        }
    }

    @Test
    void loadsFromModelDirectory() throws Exception {
        tokenizerFile(TinyTokenizer.JSON);
        try (TextTokenizer tokenizer = TextTokenizer.load(dir)) {
            assertThat(tokenizer.file()).isEqualTo(dir.resolve("tokenizer.json"));
        }
    }

    @Test
    void missingFile() {
        Path missing = dir.resolve("missing-tokenizer.json");
        assertThatThrownBy(() -> TextTokenizer.load(missing))
                .isInstanceOf(NncjException.class)
                .hasMessage(missing + ": file not found");
    }

    @Test
    void notATokenizerJson() throws Exception {
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"model\": ");
        assertThatThrownBy(() -> TextTokenizer.load(broken))
                .isInstanceOf(NncjException.class)
                .hasMessageStartingWith(broken + ": not a Hugging Face tokenizer.json: invalid JSON at line 1")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        Path config = Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 384}");
        assertThatThrownBy(() -> TextTokenizer.load(config))
                .hasMessage(config + ": not a Hugging Face tokenizer.json: no \"model\" object");
        // parses as JSON with a vocabulary, but the native tokenizer rejects the model type
        Path unknownModel = Files.writeString(dir.resolve("odd.json"),
                TinyTokenizer.JSON.replace("\"type\": \"WordPiece\", \"unk_token\"", "\"type\": \"NoSuchModel\", \"unk_token\""));
        assertThatThrownBy(() -> TextTokenizer.load(unknownModel))
                .isInstanceOf(NncjException.class)
                .hasMessageStartingWith(unknownModel + ": not a Hugging Face tokenizer.json: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
