package dev.nncj.data;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.util.PairList;
import dev.nncj.NncjException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Turns text into the id, mask and token-type matrices a transformer encoder takes, with the model's
 * own Hugging Face tokenizer.json run by DJL's binding of the Rust tokenizers library, so that ids
 * match what the model saw in training, special tokens ([CLS] ... [SEP]) included.
 *
 * <p>Truncation is left to the Rust tokenizer (it knows how many special tokens the template adds and
 * trims the longer text of a pair first); padding is done here, to the right, with the pad id the
 * tokenizer.json declares, so the padded shape follows {@link Padding} exactly whatever padding the
 * file itself configures. Holds native memory: close it.
 */
public final class TextTokenizer implements AutoCloseable {
    private final Path file;
    private final TokenizerOptions options;
    private final TokenizerJson facts;
    private final HuggingFaceTokenizer tokenizer;

    private TextTokenizer(Path file, TokenizerOptions options, TokenizerJson facts, HuggingFaceTokenizer tokenizer) {
        this.file = file;
        this.options = options;
        this.facts = facts;
        this.tokenizer = tokenizer;
    }

    /** Loads with {@link TokenizerOptions#defaults()}. */
    public static TextTokenizer load(Path tokenizerJson) {
        return load(tokenizerJson, TokenizerOptions.defaults());
    }

    /** Loads a tokenizer.json file, or the tokenizer.json inside a model directory. */
    public static TextTokenizer load(Path tokenizerJson, TokenizerOptions options) {
        Path file = Files.isDirectory(tokenizerJson) ? tokenizerJson.resolve("tokenizer.json") : tokenizerJson;
        String json = TextFiles.readUtf8(file);
        TokenizerJson facts = TokenizerJson.parse(file, json);
        // Padding is switched off here (done in pad()); maxLength doubles as the model maximum so DJL
        // does not silently cap it at its default of 512.
        Map<String, String> djlOptions = Map.of(
                "addSpecialTokens", "true",
                "padding", "false",
                "truncation", Boolean.toString(options.truncation()),
                "maxLength", Integer.toString(options.maxLength()),
                "modelMaxLength", Integer.toString(options.maxLength()));
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), djlOptions);
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) { // the Rust side rejecting the JSON
            NncjException error = TokenizerJson.notTokenizer(file, String.valueOf(e.getMessage()));
            error.initCause(e);
            throw error;
        }
        return new TextTokenizer(file, options, facts, tokenizer);
    }

    public Path file() {
        return file;
    }

    public TokenizerOptions options() {
        return options;
    }

    /** Highest token id in the tokenizer.json (model vocabulary and added tokens) + 1. */
    public int vocabularySize() {
        return facts.vocabularySize();
    }

    /** The model's vocabulary, token to id (without the tokenizer.json's added tokens). */
    public Map<String, Integer> vocabulary() {
        return facts.vocabulary();
    }

    /** The id padding positions get. */
    public long padId() {
        return facts.padId();
    }

    /** Encodes single texts: [CLS] text [SEP], token types all 0. */
    public EncodedBatch encode(List<String> texts) {
        if (texts.isEmpty()) {
            return pad(new Encoding[0]);
        }
        return pad(run(() -> tokenizer.batchEncode(texts)));
    }

    /** Encodes text pairs: [CLS] a [SEP] b [SEP], token types 0 for a, 1 for b. */
    public EncodedBatch encodePairs(List<String> first, List<String> second) {
        if (first.size() != second.size()) {
            throw new IllegalArgumentException(first.size() + " first texts but " + second.size() + " second texts");
        }
        if (first.isEmpty()) {
            return pad(new Encoding[0]);
        }
        return pad(run(() -> tokenizer.batchEncode(new PairList<>(first, second))));
    }

    private Encoding[] run(Supplier<Encoding[]> encoding) {
        try {
            return encoding.get();
        } catch (RuntimeException e) { // e.g. a maxLength too short for the special tokens
            throw NncjException.inFile(file, "cannot encode: " + String.valueOf(e.getMessage()).strip(), e);
        }
    }

    private EncodedBatch pad(Encoding[] encodings) {
        int longest = 0;
        for (Encoding e : encodings) {
            longest = Math.max(longest, e.getIds().length);
        }
        int width;
        if (options.padding() == Padding.MAX_LENGTH) {
            if (longest > options.maxLength()) {
                throw NncjException.inFile(file, "a text has " + longest + " tokens, more than maxLength "
                        + options.maxLength() + ", and truncation is off");
            }
            width = options.maxLength();
        } else {
            width = longest;
        }
        int rows = encodings.length;
        long[][] ids = new long[rows][width];
        long[][] mask = new long[rows][width];
        long[][] types = new long[rows][width];
        for (int i = 0; i < rows; i++) {
            long[] tokenIds = encodings[i].getIds();
            int n = tokenIds.length;
            System.arraycopy(tokenIds, 0, ids[i], 0, n);
            System.arraycopy(encodings[i].getTypeIds(), 0, types[i], 0, n);
            Arrays.fill(mask[i], 0, n, 1L);
            Arrays.fill(ids[i], n, width, facts.padId());
            Arrays.fill(types[i], n, width, facts.padTypeId());
        }
        return new EncodedBatch(ids, mask, types);
    }

    /** Frees the native tokenizer now rather than at garbage collection. */
    @Override
    public void close() {
        tokenizer.close();
    }
}
