package dev.nncj.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchitectureSearchTest {
    @TempDir
    Path dir;

    private static final RunFingerprint RUN = new RunFingerprint("t", "d", "s", "none", 3);
    private static final SearchSpace SPACE = SearchSpaceTest.miniLm();

    /** Capacity-driven toy scores: a later stage adds accuracy that depends on depth, so stages disagree a little. */
    static CandidateEvaluator.Evaluation toy(Architecture a, Fidelity stage) {
        double quality = 0;
        double capacity = 0;
        for (LayerChoice c : a.layers()) {
            quality += (c.heads() / 12.0 + c.ffn() / 1536.0) / (1 + c.source());
            capacity += c.heads() / 12.0 + c.ffn() / 1536.0;
        }
        double accuracy = 1 - Math.exp(-quality) + stage.ordinal() * 0.01 * a.depth();
        long bytes = (long) (1000 + 10_000 * capacity * (a.form() == NumericForm.FP32 ? 1 : 0.25));
        return new CandidateEvaluator.Evaluation(accuracy, bytes);
    }

    static double latency(Architecture a) {
        double capacity = a.layers().stream().mapToDouble(c -> c.heads() / 12.0 + c.ffn() / 1536.0).sum();
        return (0.05 + capacity / 12) * (a.form() == NumericForm.FP32 ? 1 : 0.5);
    }

    static ArchitectureSearch.Settings settings(boolean random) {
        return new ArchitectureSearch.Settings(8, 4, 4, List.of(Fidelity.INHERITED, Fidelity.SHORT_DISTILL), 11,
                Budget.none(), random);
    }

    private ArchitectureSearch.Outcome run(Journal journal, CandidateEvaluator evaluator, boolean random) {
        return new ArchitectureSearch(SPACE, evaluator, ArchitectureSearchTest::latency, 21_000, journal,
                settings(random), SearchListener.NONE).run();
    }

    @Test
    void aSearchKilledTwiceAndResumedEndsAsAnUninterruptedOneWithoutEvaluatingAnythingTwice() {
        ArchitectureSearch.Outcome whole;
        try (Journal j = Journal.create(dir.resolve("whole.jsonl"), RUN)) {
            whole = run(j, ArchitectureSearchTest::toy, false);
        }
        Path file = dir.resolve("killed.jsonl");
        AtomicInteger calls = new AtomicInteger();
        CandidateEvaluator dying = (a, stage) -> {
            if (calls.incrementAndGet() % 17 == 0) {
                throw new IllegalStateException("killed");
            }
            return toy(a, stage);
        };
        try (Journal j = Journal.create(file, RUN)) {
            assertThatThrownBy(() -> run(j, dying, false)).hasMessage("killed");
        }
        try (Journal j = Journal.resume(file, RUN)) {
            assertThatThrownBy(() -> run(j, dying, false)).hasMessage("killed");
        }
        ArchitectureSearch.Outcome resumed;
        try (Journal j = Journal.resume(file, RUN)) {
            resumed = run(j, ArchitectureSearchTest::toy, false);
            assertThat(resumed.replayed()).isPositive();
        }
        assertThat(resumed.front()).isEqualTo(whole.front());
        List<String> keys = Journal.resume(file, RUN).entries().stream().map(e -> e.stage() + " " + e.architecture()).toList();
        assertThat(keys).doesNotHaveDuplicates().hasSize(whole.evaluated());
    }

    /** A dearer stage trains the finalist the cheaper stage scored best first; the front does not depend on it. */
    @Test
    void finalistsAreEvaluatedMostAccurateFirst() {
        List<Architecture> shortOrder = new java.util.ArrayList<>();
        CandidateEvaluator recording = (a, stage) -> {
            if (stage == Fidelity.SHORT_DISTILL) {
                shortOrder.add(a);
            }
            return toy(a, stage);
        };
        ArchitectureSearch.Outcome outcome;
        try (Journal j = Journal.create(dir.resolve("order.jsonl"), RUN)) {
            outcome = run(j, recording, false);
        }
        List<Double> inheritedAccuracy = shortOrder.stream()
                .map(a -> toy(a, Fidelity.INHERITED).accuracy()).toList();
        assertThat(shortOrder).hasSize(4);
        assertThat(inheritedAccuracy).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        try (Journal j = Journal.create(dir.resolve("toy.jsonl"), RUN)) {
            assertThat(run(j, ArchitectureSearchTest::toy, false).front()).isEqualTo(outcome.front());
        }
    }

    @Test
    void aFailingCandidateIsJournaledWithItsReasonAndTheSearchGoesOn() {
        CandidateEvaluator fourLayersFail = (a, stage) -> {
            if (a.depth() == 4) {
                throw new CandidateEvaluator.CandidateFailure("diverged at step 3");
            }
            return toy(a, stage);
        };
        try (Journal j = Journal.create(dir.resolve("j.jsonl"), RUN)) {
            ArchitectureSearch.Outcome outcome = run(j, fourLayersFail, false);
            assertThat(outcome.failed()).isPositive();
            assertThat(outcome.front()).isNotEmpty().allSatisfy(s -> assertThat(s.architecture().depth()).isNotEqualTo(4));
            assertThat(j.entries()).filteredOn(JournalEntry::isFailure).isNotEmpty()
                    .allSatisfy(e -> assertThat(e.failure()).isEqualTo("diverged at step 3"));
        }
    }

    @Test
    void theRandomBaselineScoresAsManyCandidatesAsTheEvolutionAtTheCheapStage() {
        try (Journal evolved = Journal.create(dir.resolve("e.jsonl"), RUN);
             Journal random = Journal.create(dir.resolve("r.jsonl"), RUN)) {
            ArchitectureSearch.Outcome e = run(evolved, ArchitectureSearchTest::toy, false);
            ArchitectureSearch.Outcome r = run(random, ArchitectureSearchTest::toy, true);
            assertThat(e.byStage().get(Fidelity.INHERITED)).hasSize(8 * 5);
            assertThat(r.byStage().get(Fidelity.INHERITED)).hasSize(8 * 5);
            // promotion: the 4 finalists are scored at the second stage, the last: its Pareto front is the search's
            assertThat(e.byStage().get(Fidelity.SHORT_DISTILL)).hasSize(4);
            assertThat(e.front()).hasSizeBetween(1, 4);
        }
    }

    /**
     * Successive halving picks who goes on to a dearer stage; the last stage's candidates, trained
     * at the highest cost, all compete for the front. (The front was once halved once more after the
     * last stage: a T2 search's two fully distilled finalists, neither dominating the other, ended
     * as a front of one.)
     */
    @Test
    void theFrontIsTheParetoFrontOfEveryCandidateTheLastStageScored() {
        try (Journal j = Journal.create(dir.resolve("three.jsonl"), RUN)) {
            ArchitectureSearch.Outcome o = new ArchitectureSearch(SPACE, ArchitectureSearchTest::toy,
                    ArchitectureSearchTest::latency, 21_000, j, new ArchitectureSearch.Settings(8, 2, 4,
                    List.of(Fidelity.INHERITED, Fidelity.SHORT_DISTILL, Fidelity.FULL_DISTILL), 11, Budget.none(), false),
                    SearchListener.NONE).run();

            List<Scored> last = o.byStage().get(Fidelity.FULL_DISTILL);
            assertThat(last).hasSize(2);
            assertThat(new ParetoRanking(last, Budget.none()).fronts().get(0)).as("neither dominates the other").hasSize(2);
            assertThat(o.front()).containsExactlyInAnyOrderElementsOf(last);
        }
    }

    /** QAT is not a halving: every candidate the full distillation scored is trained in its int8 form, and only QAT's scores make the front. */
    @Test
    void qatTakesEveryFullDistillationFinalist() {
        try (Journal j = Journal.create(dir.resolve("qat.jsonl"), RUN)) {
            ArchitectureSearch.Outcome o = new ArchitectureSearch(SPACE, ArchitectureSearchTest::toy,
                    ArchitectureSearchTest::latency, 21_000, j, new ArchitectureSearch.Settings(8, 2, 4,
                    List.of(Fidelity.INHERITED, Fidelity.SHORT_DISTILL, Fidelity.FULL_DISTILL, Fidelity.QAT), 11,
                    Budget.none(), false), SearchListener.NONE).run();

            List<Architecture> full = o.byStage().get(Fidelity.FULL_DISTILL).stream().map(Scored::architecture).toList();
            assertThat(full).hasSize(2);
            assertThat(o.byStage().get(Fidelity.QAT)).extracting(Scored::architecture).containsExactlyElementsOf(full);
            assertThat(o.front()).isSubsetOf(o.byStage().get(Fidelity.QAT));
        }
    }
}
