package dev.nncj.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchmarkTest {
    /** Few runs: these tests check the plumbing, not the speed. */
    private static final BenchmarkOptions FAST = BenchmarkOptions.defaults().withWarmupRuns(1).withRuns(5)
            .withSeqLen(16);

    @TempDir
    Path dir;

    @Test
    void runReportsOrderedPercentilesAndTheSettings() throws Exception {
        Path model = TinyOnnx.write(dir, "encoder.onnx", TinyOnnx.encoder());
        CountingListener progress = new CountingListener();

        long start = System.nanoTime();
        BenchmarkResult result = Benchmark.run(model, FAST, progress);
        double elapsedMs = (System.nanoTime() - start) / 1e6;

        assertThat(result.model()).isEqualTo(model);
        assertThat(result.fileBytes()).isEqualTo(Files.size(model));
        assertThat(result.batch()).isEqualTo(1);
        assertThat(result.seqLen()).isEqualTo(16);
        assertThat(result.runs()).isEqualTo(5);
        assertThat(result.warmupRuns()).isEqualTo(1);
        assertThat(result.runtime()).isEqualTo(RuntimeOptions.defaults());
        LatencyStats latency = result.latency();
        assertThat(latency.samples()).isEqualTo(5);
        assertThat(latency.minMs()).isPositive();
        assertThat(latency.minMs()).isLessThanOrEqualTo(latency.p50Ms());
        assertThat(latency.p50Ms()).isLessThanOrEqualTo(latency.p90Ms());
        assertThat(latency.p90Ms()).isLessThanOrEqualTo(latency.p99Ms());
        assertThat(latency.p99Ms()).isLessThanOrEqualTo(latency.maxMs());
        assertThat(latency.meanMs()).isBetween(latency.minMs(), latency.maxMs());
        // the timed runs happened inside the call: in milliseconds, they cannot add up to more than it took
        assertThat(latency.samples() * latency.meanMs()).isLessThanOrEqualTo(elapsedMs);
        assertThat(result.machine().logicalCores()).isPositive();
        assertThat(result.machine().ortVersion()).startsWith("1.");
        if (Files.isReadable(Path.of("/proc/self/status"))) {
            assertThat(result.peakMemoryBytes()).isNotNegative();
        } else {
            assertThat(result.peakMemoryBytes()).isEqualTo(-1);
        }
        assertThat(progress.events).containsExactly("start benchmark encoder.onnx 6", "advance 6", "finish");
    }

    @Test
    void compareInterleavesTwoModelsAndRatiosTheirMedians() throws Exception {
        Path encoder = TinyOnnx.write(dir, "encoder.onnx", TinyOnnx.encoder());
        Path matMul = TinyOnnx.write(dir, "matmul.onnx", TinyOnnx.matMul(4));
        CountingListener progress = new CountingListener();

        long start = System.nanoTime();
        ComparisonResult comparison = Benchmark.compare(encoder, matMul, FAST.withBatch(2), progress);
        double elapsedMs = (System.nanoTime() - start) / 1e6;

        assertThat(comparison.model().model()).isEqualTo(encoder);
        assertThat(comparison.other().model()).isEqualTo(matMul);
        assertThat(comparison.model().runs()).isEqualTo(5);
        assertThat(comparison.other().runs()).isEqualTo(5);
        assertThat(comparison.model().batch()).isEqualTo(2);
        // sessions taking turns must not spin, or the idle one steals the running one's cores
        assertThat(comparison.model().runtime().spinning()).isFalse();
        assertThat(comparison.other().runtime().spinning()).isFalse();
        assertThat(comparison.ratioP50()).isFinite().isPositive(); // its arithmetic: figuresFromFixedTimings...
        assertThat(5 * (comparison.model().latency().meanMs() + comparison.other().latency().meanMs()))
                .isLessThanOrEqualTo(elapsedMs);
        assertThat(comparison.model().fileBytes()).isEqualTo(Files.size(encoder));
        assertThat(comparison.other().fileBytes()).isEqualTo(Files.size(matMul));
        assertThat(progress.events).containsExactly(
                "start compare encoder.onnx with matmul.onnx 12", "advance 12", "finish");
    }

    /**
     * The figures a benchmark reports, from run times fixed here and worked out by hand, so that
     * neither the percentile rule nor the throughput and ratio formulas are taken from the code.
     */
    @Test
    void figuresFromFixedTimingsMatchAHandComputation() throws Exception {
        Path model = TinyOnnx.write(dir, "encoder.onnx", TinyOnnx.encoder());
        // ten runs in ms, sorted: 7 8 9 10 10 11 12 13 30 50; nearest rank ceil(p/100 * 10):
        // p50 = 5th = 10, p90 = 9th = 30, p99 = 10th = 50; mean 160 / 10 = 16
        long[] nanos = millis(12, 7, 30, 9, 11, 8, 10, 13, 50, 10);
        BenchmarkResult compressed = BenchmarkResult.of(model, FAST.withBatch(4).withRuns(10), nanos, -1,
                MachineInfo.current());
        assertThat(compressed.latency()).isEqualTo(new LatencyStats(10, 10, 30, 50, 16, 7, 50));
        // 4 samples per run at 16 ms a run: 4 * 1000 / 16 = 250 samples per second
        assertThat(compressed.throughputPerSecond()).isCloseTo(250, org.assertj.core.data.Offset.offset(1e-9));

        // the original, five runs sorted 3 4 4 5 6: p50 = 3rd = 4 ms; compressed / original = 10 / 4
        BenchmarkResult original = BenchmarkResult.of(model, FAST.withBatch(4), millis(4, 3, 4, 6, 5), -1,
                MachineInfo.current());
        assertThat(new ComparisonResult(compressed, original).ratioP50()).isEqualTo(2.5);
    }

    private static long[] millis(long... ms) {
        return java.util.Arrays.stream(ms).map(m -> m * 1_000_000).toArray();
    }

    /** The second of two sessions in one process may reuse what the first freed; a fresh process per model may not. */
    @Test
    void isolatedMemoryMeasuresEachSessionInAFreshProcess() throws Exception {
        BenchmarkOptions options = FAST.withRuntime(RuntimeOptions.defaults().withIntraOpThreads(2).withSpinning(false))
                .withVocabSize(50);
        assertThat(IsolatedMemory.options(IsolatedMemory.arguments(dir.resolve("m.onnx"), options)))
                .isEqualTo(options.withRuns(1));
        Path big = TinyOnnx.write(dir, "big.onnx", TinyOnnx.matMul(250_000)); // a 16 MB weight
        Path copy = Files.copy(big, dir.resolve("copy.onnx"));
        java.util.Optional<ComparisonResult> isolated = Benchmark.compare(big, copy, FAST, ProgressListener.NONE)
                .withIsolatedMemory(FAST);
        if (Files.isReadable(Path.of("/proc/self/status"))) {
            assertThat(isolated.orElseThrow().model().peakMemoryBytes()).isGreaterThan(16_000_000L);
            assertThat(isolated.orElseThrow().other().peakMemoryBytes()).isGreaterThan(16_000_000L);
        }
        assertThat(IsolatedMemory.measure(dir.resolve("missing.onnx"), FAST)).isEmpty();
    }

    @Test
    void aModelOrtCannotRunFailsInOneLine() throws Exception {
        Path model = TinyOnnx.write(dir, "nope.onnx", TinyOnnx.unknownOp());
        CountingListener progress = new CountingListener();
        assertThatThrownBy(() -> Benchmark.run(model, FAST, progress))
                .isInstanceOf(NncjException.class)
                .hasMessageStartingWith(model + ": ")
                .hasMessageContaining("cannot run")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(progress.events).last().isEqualTo("finish");
    }

    @Test
    void aMissingFileFailsBeforeAnythingRuns() {
        Path missing = dir.resolve("missing.onnx");
        assertThatThrownBy(() -> Benchmark.compare(missing, missing, FAST, ProgressListener.NONE))
                .isInstanceOf(NncjException.class)
                .hasMessage(missing + ": file not found");
    }

    @Test
    void idsBeyondTheModelsVocabularyFailAtRunTimeNamingTheFile() throws Exception {
        // The tiny encoder has 1000 embedding rows; claiming 5000 makes Gather index out of range.
        Path model = TinyOnnx.write(dir, "encoder.onnx", TinyOnnx.encoder());
        assertThatThrownBy(() -> Benchmark.run(model, FAST.withVocabSize(5000), ProgressListener.NONE))
                .isInstanceOf(NncjException.class)
                .hasMessageStartingWith(model + ": ONNX Runtime failed to run the model on synthesized inputs"
                        + " (batch 1, sequence length 16): ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void anInputThatCannotBeSynthesizedNamesFileAndInput() throws Exception {
        Path model = TinyOnnx.write(dir, "text.onnx",
                TinyOnnx.identities(TinyOnnx.tensor("text", TinyOnnx.STRING, "batch")));
        assertThatThrownBy(() -> Benchmark.run(model, FAST, ProgressListener.NONE))
                .isInstanceOf(NncjException.class)
                .hasMessageStartingWith(model + ": input 'text' has element type string");
    }

    @Test
    void optionsAreValidated() {
        assertThatThrownBy(() -> FAST.withRuns(0)).isInstanceOf(NncjException.class).hasMessageContaining("runs");
        assertThatThrownBy(() -> FAST.withSeqLen(0)).isInstanceOf(NncjException.class)
                .hasMessageContaining("sequence length");
        assertThat(BenchmarkOptions.defaults()).satisfies(o -> {
            assertThat(o.batch()).isEqualTo(1);
            assertThat(o.seqLen()).isEqualTo(128);
            assertThat(o.warmupRuns()).isEqualTo(10);
            assertThat(o.runs()).isEqualTo(100);
            assertThat(o.vocabSize()).isEmpty();
        });
    }

    /** Records progress calls, merging consecutive advances so the expected sequence stays short. */
    private static final class CountingListener implements ProgressListener {
        final List<String> events = new ArrayList<>();
        private long advanced;

        @Override
        public void start(String task, long total) {
            events.add("start " + task + " " + total);
        }

        @Override
        public void advance(long steps) {
            advanced += steps;
        }

        @Override
        public void finish() {
            if (advanced > 0) {
                events.add("advance " + advanced);
            }
            events.add("finish");
        }
    }
}
