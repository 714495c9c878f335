package dev.nncj.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nncj.NncjException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What NNCJ reads from a Hugging Face tokenizer.json itself rather than through DJL, which does not
 * expose it: the vocabulary size (the embedding matrix must have at least that many rows), the
 * padding token and the model's vocabulary itself (token to id). Parsing it first also turns "this is
 * not a tokenizer.json" into a clear message before the native tokenizer sees the file.
 */
record TokenizerJson(int vocabularySize, long padId, long padTypeId, Map<String, Integer> vocabulary) {

    private static final List<String> PAD_TOKENS = List.of("[PAD]", "<pad>");

    static TokenizerJson parse(Path file, String json) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw notTokenizer(file, "invalid JSON at line " + e.getLocation().getLineNr() + ": "
                    + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw notTokenizer(file, "the top level is not a JSON object");
        }
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) {
            throw notTokenizer(file, "no \"model\" object");
        }
        JsonNode vocab = model.get("vocab");
        if (vocab == null) {
            throw notTokenizer(file, "no \"model.vocab\"");
        }
        long highest = -1;
        Long padFromVocab = null;
        Map<String, Integer> tokens = new java.util.HashMap<>();
        if (vocab.isObject()) { // WordPiece, BPE, WordLevel: token -> id
            for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
                if (!entry.getValue().canConvertToLong()) {
                    throw notTokenizer(file, "vocabulary entry '" + entry.getKey() + "' has no integer id");
                }
                long id = entry.getValue().asLong();
                highest = Math.max(highest, id);
                tokens.put(entry.getKey(), (int) Math.min(id, Integer.MAX_VALUE));
                if (padFromVocab == null && PAD_TOKENS.contains(entry.getKey())) {
                    padFromVocab = id;
                }
            }
        } else if (vocab.isArray()) { // Unigram: [[piece, score], ...], the id is the position
            highest = vocab.size() - 1;
            for (int i = 0; i < vocab.size(); i++) {
                String piece = vocab.get(i).path(0).asText();
                tokens.putIfAbsent(piece, i);
                if (padFromVocab == null && PAD_TOKENS.contains(piece)) {
                    padFromVocab = (long) i;
                }
            }
        } else {
            throw notTokenizer(file, "\"model.vocab\" is neither an object nor an array");
        }
        Long padFromAdded = null;
        for (JsonNode token : root.path("added_tokens")) {
            long id = token.path("id").asLong(-1);
            highest = Math.max(highest, id);
            if (padFromAdded == null && PAD_TOKENS.contains(token.path("content").asText())) {
                padFromAdded = id;
            }
        }
        if (highest < 0) {
            throw notTokenizer(file, "the vocabulary is empty");
        }
        if (highest >= Integer.MAX_VALUE) {
            throw notTokenizer(file, "token id " + highest + " is too large");
        }
        // The tokenizer's own padding settings win; then a conventional pad token; then id 0, what
        // the tokenizers library pads with by default.
        JsonNode padding = root.path("padding");
        long padId = padding.has("pad_id") ? padding.get("pad_id").asLong()
                : padFromAdded != null ? padFromAdded : padFromVocab != null ? padFromVocab : 0;
        long padTypeId = padding.path("pad_type_id").asLong(0);
        return new TokenizerJson((int) highest + 1, padId, padTypeId, Map.copyOf(tokens));
    }

    static NncjException notTokenizer(Path file, String reason) {
        return NncjException.inFile(file, "not a Hugging Face tokenizer.json: " + oneLine(reason));
    }

    private static String oneLine(String text) {
        String s = text == null ? "unknown error" : text.strip();
        int newline = s.indexOf('\n');
        return newline < 0 ? s : s.substring(0, newline).strip();
    }
}
