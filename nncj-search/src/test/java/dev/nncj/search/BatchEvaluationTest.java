package dev.nncj.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The search hands each phase to the evaluator as one batch and journals the results in candidate order. */
class BatchEvaluationTest {
    @TempDir
    Path dir;

    private static final RunFingerprint RUN = new RunFingerprint("t", "d", "s", "none", 3);

    /** Like a cluster: evaluates the whole batch, last candidate first, then hands the results back in order. */
    private static final class BackwardsBatches implements CandidateEvaluator {
        int batches;

        @Override
        public Evaluation evaluate(Architecture candidate, Fidelity stage) {
            if (candidate.depth() == 4) {
                throw new CandidateFailure("four layers refused");
            }
            return ArchitectureSearchTest.toy(candidate, stage);
        }

        @Override
        public void evaluateAll(List<Architecture> candidates, Fidelity stage, Consumer<Result> inOrder) {
            batches++;
            List<Result> results = new ArrayList<>();
            for (int i = candidates.size() - 1; i >= 0; i--) {
                results.add(Result.of(this, candidates.get(i), stage));
            }
            Collections.reverse(results);
            results.forEach(inOrder);
        }
    }

    private List<String> journal(String name, CandidateEvaluator evaluator) {
        try (Journal j = Journal.create(dir.resolve(name), RUN)) {
            new ArchitectureSearch(SearchSpaceTest.miniLm(), evaluator, ArchitectureSearchTest::latency, 21_000, j,
                    ArchitectureSearchTest.settings(false), SearchListener.NONE).run();
            return j.entries().stream().map(e -> e.stage() + " " + e.architecture() + " " + e.objectives() + " "
                    + e.bytes() + " " + e.failure()).toList();
        }
    }

    @Test
    void aBatchEvaluatedInAnyOrderWritesTheJournalOfOneByOneEvaluation() {
        BackwardsBatches batched = new BackwardsBatches();
        List<String> oneByOne = journal("one.jsonl", batched::evaluate);
        List<String> backwards = journal("batched.jsonl", batched);

        assertThat(backwards).isEqualTo(oneByOne).anyMatch(line -> line.endsWith("four layers refused"));
        // the initial sample, 4 generations, the second stage's finalists: one batch each
        assertThat(batched.batches).isEqualTo(6);
    }

    @Test
    void resultsHandedBackOutOfOrderStopTheSearch() {
        CandidateEvaluator swapping = new CandidateEvaluator() {
            @Override
            public Evaluation evaluate(Architecture candidate, Fidelity stage) {
                return ArchitectureSearchTest.toy(candidate, stage);
            }

            @Override
            public void evaluateAll(List<Architecture> candidates, Fidelity stage, Consumer<Result> inOrder) {
                inOrder.accept(Result.of(this, candidates.get(1), stage));
                inOrder.accept(Result.of(this, candidates.get(0), stage));
            }
        };
        assertThatThrownBy(() -> journal("swapped.jsonl", swapping)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("out of order");
    }
}
