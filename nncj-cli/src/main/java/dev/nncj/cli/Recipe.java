package dev.nncj.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.nncj.NncjException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A recipe for `nncj run`: a chain of NNCJ commands, each reading the previous one's output, and goals
 * the last output must meet. The file is JSON:
 *
 * <pre>
 * {
 *   "description": "what the chain does (optional)",
 *   "input": "work/clf/model.onnx",                  the model {input} names (nncj run --input overrides)
 *   "vars": {"train": "data/sst2/train.tsv"},         placeholders {train} (nncj run --set train=... overrides)
 *   "steps": [
 *     {"name": "student",                             the output is OUT/student.onnx; names are unique
 *      "command": "distill",                          any nncj command that writes a model with -o
 *      "input": null,                                 its positional model: default "{previous}"; null for none
 *      "options": {"--teacher": "{input}",            a flag and its value; true: the flag alone; false: left out;
 *                  "--student-layers": "0,2,4",       a list: the flag repeated
 *                  "--json": true}},
 *     {"name": "pruned", "command": "prune", "options": {"--heads": 0.5, "--recover": true}}
 *   ],
 *   "goals": {"eval_data": "{test}",                  labelled data for the accuracy goal (optional)
 *             "max_accuracy_drop": 0.015,             accuracy(input) - accuracy(last), as a fraction
 *             "max_size_ratio": 0.10,                 bytes(last) / bytes(input)
 *             "max_p50_ratio": 0.20,                  p50(last) / p50(input), interleaved in one process
 *             "bench_runs": 100, "seq_len": 128, "threads": 1}
 * }
 * </pre>
 *
 * Built-in placeholders: {input}, {previous} (the previous step's output, {input} for the first),
 * {out} (the run's folder). A step's output is always OUT/NAME.onnx, given as -o by the runner, so a
 * recipe cannot name one (that is what makes a rerun find and skip it).
 */
record Recipe(Path file, Optional<String> description, Optional<String> input, Map<String, String> vars,
              List<Step> steps, Goals goals) {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_-]*)}");
    static final Set<String> BUILT_IN = Set.of("input", "previous", "out");

    /** One step: a command, its positional model (if any) and options, all still with placeholders. */
    record Step(String name, String command, Optional<String> input, List<String> options) {}

    /** What the last output must meet; each limit optional. */
    record Goals(Optional<String> evalData, Optional<Double> maxAccuracyDrop, Optional<Double> maxSizeRatio,
                 Optional<Double> maxP50Ratio, int benchRuns, int seqLen, int threads) {
        static Goals none() {
            return new Goals(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 50, 128, 1);
        }

        boolean any() {
            return maxAccuracyDrop.isPresent() || maxSizeRatio.isPresent() || maxP50Ratio.isPresent();
        }
    }

    static Recipe read(Path file) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw NncjException.inFile(file, "is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw NncjException.inFile(file, "a recipe is a JSON object with \"steps\"");
        }
        Map<String, String> vars = new LinkedHashMap<>();
        root.path("vars").fields().forEachRemaining(e -> vars.put(e.getKey(), scalar(file, "vars." + e.getKey(), e.getValue())));
        for (String name : vars.keySet()) {
            if (BUILT_IN.contains(name)) {
                throw NncjException.inFile(file, "vars." + name + ": {" + name + "} is built in and cannot be set");
            }
        }
        JsonNode steps = root.path("steps");
        if (!steps.isArray() || steps.isEmpty()) {
            throw NncjException.inFile(file, "\"steps\" must be a non-empty list");
        }
        List<Step> parsed = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < steps.size(); i++) {
            Step step = step(file, i, steps.get(i));
            if (!names.add(step.name())) {
                throw NncjException.inFile(file, "steps[" + i + "]: the name \"" + step.name() + "\" is used twice");
            }
            parsed.add(step);
        }
        return new Recipe(file, text(root, "description"), text(root, "input"), vars, parsed, goals(file, root.path("goals")));
    }

    private static Step step(Path file, int i, JsonNode node) {
        String where = "steps[" + i + "]";
        String name = node.path("name").asText("");
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw NncjException.inFile(file, where + ": \"name\" must be letters, digits, '-', '_' or '.' (it names OUT/NAME.onnx)");
        }
        String command = node.path("command").asText("");
        if (command.isEmpty() || command.equals("run")) {
            throw NncjException.inFile(file, where + ": \"command\" must name an nncj command that writes a model");
        }
        Optional<String> input = !node.has("input") ? Optional.of("{previous}")
                : node.get("input").isNull() ? Optional.empty() : Optional.of(scalar(file, where + ".input", node.get("input")));
        List<String> options = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.path("options").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String flag = e.getKey();
            if (!flag.startsWith("-")) {
                throw NncjException.inFile(file, where + ".options: \"" + flag + "\" is not a flag (--name)");
            }
            if (flag.equals("-o") || flag.equals("--output")) {
                throw NncjException.inFile(file, where + ".options: " + flag + " is given by nncj run (OUT/" + name + ".onnx)");
            }
            JsonNode value = e.getValue();
            if (value.isBoolean()) {
                if (value.asBoolean()) {
                    options.add(flag);
                }
            } else if (value.isArray()) {
                for (JsonNode v : value) {
                    options.add(flag);
                    options.add(scalar(file, where + ".options." + flag, v));
                }
            } else {
                options.add(flag);
                options.add(scalar(file, where + ".options." + flag, value));
            }
        }
        return new Step(name, command, input, options);
    }

    private static Goals goals(Path file, JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return Goals.none();
        }
        Goals d = Goals.none();
        return new Goals(text(node, "eval_data"), number(file, node, "max_accuracy_drop"), number(file, node, "max_size_ratio"),
                number(file, node, "max_p50_ratio"), node.path("bench_runs").asInt(d.benchRuns()),
                node.path("seq_len").asInt(d.seqLen()), node.path("threads").asInt(d.threads()));
    }

    private static Optional<String> text(JsonNode node, String key) {
        return node.hasNonNull(key) ? Optional.of(node.get(key).asText()) : Optional.empty();
    }

    private static Optional<Double> number(Path file, JsonNode node, String key) {
        if (!node.hasNonNull(key)) {
            return Optional.empty();
        }
        if (!node.get(key).isNumber()) {
            throw NncjException.inFile(file, "goals." + key + " must be a number");
        }
        return Optional.of(node.get(key).asDouble());
    }

    private static String scalar(Path file, String where, JsonNode value) {
        if (!value.isValueNode() || value.isNull()) {
            throw NncjException.inFile(file, where + " must be a string, a number or a boolean");
        }
        return value.asText();
    }

    /** {@code text} with every {name} replaced from {@code values}; an unknown one is named with where it is. */
    String resolve(String text, Map<String, String> values, String where) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw NncjException.inFile(file, where + ": {" + m.group(1) + "} is not defined (vars, --set, or one of "
                        + "{input}, {previous}, {out})");
            }
            m.appendReplacement(b, Matcher.quoteReplacement(value));
        }
        m.appendTail(b);
        return b.toString();
    }
}
