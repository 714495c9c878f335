package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CommandProvenanceTest {
    private static Map<String, Object> recorded(Object command, String... args) {
        CommandLine cli = new CommandLine(command);
        cli.parseArgs(args);
        return CommandProvenance.options(cli.getCommandSpec());
    }

    @Test
    void everyOptionThatShapesTheModelIsRecordedUnderItsFlagWithTheValueGivenOrDefaulted() {
        Map<String, Object> m = recorded(new QuantizeCommand(), "in.onnx", "-o", "out.onnx", "--mode", "int4-weight",
                "--block-size", "16", "--include", "MatMul", "--calibrator", "PERCENTILE", "--eval-data", "dev.tsv", "-q");
        assertThat(m).containsEntry("mode", "int4-weight") // a choice as the user spells it
                .containsEntry("block_size", 16) // a number stays a number
                .containsEntry("include", List.of("MatMul"))
                .containsEntry("calibrator", "PERCENTILE")
                .containsEntry("embedding_bits", 8) // defaulted
                .containsEntry("attention", "auto")
                .containsEntry("per_tensor", false);
        // the output, the report's options and unset options say nothing about how the model was made
        assertThat(m).doesNotContainKeys("output", "eval_data", "quiet", "json", "help", "max_drop", "select_data");
    }

    @Test
    void optionsOfMixinsThatShapeTheModelAreRecordedToo() {
        Map<String, Object> m = recorded(new PruneCommand(), "in.onnx", "-o", "out.onnx", "--heads", "0.5", "--recover",
                "--data", "train.tsv", "--hidden-weight", "1", "--seed", "7");
        assertThat(m).containsEntry("heads", 0.5).containsEntry("recover", true).containsEntry("data", "train.tsv")
                .containsEntry("hidden_weight", 1.0).containsEntry("seed", 7L).containsEntry("importance", "magnitude");
    }
}
