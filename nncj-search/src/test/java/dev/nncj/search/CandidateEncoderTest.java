package dev.nncj.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderRuns;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.HeadPlan;
import dev.nncj.transformer.ImportanceScores;
import dev.nncj.transformer.MagnitudeImportance;
import dev.nncj.transformer.StructuredPruneOptions;
import dev.nncj.transformer.StructuredPruner;
import dev.nncj.transformer.TinyEncoders;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CandidateEncoderTest {
    @TempDir
    Path dir;

    @Test
    void aCandidateIsTheTeacherPrunedToItsWidthsByTheTeachersRanking() throws Exception {
        EncoderSpec teacher = EncoderLifter.lift(TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L), false),
                dir.resolve("tiny.onnx"));
        MagnitudeImportance magnitude = new MagnitudeImportance();
        ImportanceScores scores = magnitude.score(teacher);
        Architecture a = Architecture.parse("layers 0,2 heads 1,2 ffn 8,8 fp32 table-fp32");

        EncoderSpec candidate = CandidateEncoder.of(teacher, scores, a);

        // tiny layers: hidden 8, 2 heads of 4, FFN 16; layer 1 dropped, layer 0 loses one head
        // (its 4 columns of Wq, Wk, Wv, 4 bias entries each, 4 rows of Wo), both lose 8 FFN units
        // (a W1 column, a b1 entry and a W2 row each)
        long layer1 = teacher.layers().get(1).parameterCount();
        long oneHead = 3L * (8 * 4 + 4) + 4 * 8;
        long eightUnits = 8L * (8 + 1 + 8);
        assertThat(candidate.parameterCount()).isEqualTo(teacher.parameterCount() - layer1 - oneHead - 2 * eightUnits);
        // magnitude scores do not depend on which other layers are kept, so the pruner (which scores
        // the layer-selected encoder) keeps exactly the same units
        EncoderSpec pruned = StructuredPruner.prune(teacher, new StructuredPruneOptions(Optional.of(List.of(0, 2)),
                new HeadPlan.PerLayer(List.of(1, 2)), 0.5, magnitude)).spec();
        assertThat(EncoderRuns.hidden(EncoderEmitter.emit(candidate, EmitOptions.defaults()), dir))
                .containsExactly(EncoderRuns.hidden(EncoderEmitter.emit(pruned, EmitOptions.defaults()), dir));
    }
}
