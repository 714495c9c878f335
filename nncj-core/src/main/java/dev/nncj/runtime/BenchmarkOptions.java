package dev.nncj.runtime;

import dev.nncj.NncjException;
import java.util.OptionalInt;

/**
 * What a benchmark feeds the model and how often it runs it.
 *
 * <p>Defaults follow how the reference figures in NNCJ's design are measured: batch 1 and sequence
 * length 128 (one sentence, a typical on-device request), 10 warm-up runs (ORT sizes its arena and
 * pre-packs weights on the first runs; the CPU settles its clocks and caches) and 100 timed runs, enough
 * for a stable median.
 *
 * @param batch batch size of the synthesized inputs
 * @param seqLen length given to every dynamic dimension after the first
 * @param warmupRuns untimed runs before timing starts
 * @param runs timed runs; the figures are percentiles over these
 * @param runtime ONNX Runtime session settings
 * @param vocabSize the model's vocabulary size, bounding synthesized token ids; empty for
 *     {@link InputSynthesizer#DEFAULT_VOCAB_SIZE}
 */
public record BenchmarkOptions(int batch, int seqLen, int warmupRuns, int runs, RuntimeOptions runtime,
        OptionalInt vocabSize) {

    public BenchmarkOptions {
        if (batch < 1) {
            throw new NncjException("batch size must be at least 1, got " + batch);
        }
        if (seqLen < 1) {
            throw new NncjException("sequence length must be at least 1, got " + seqLen);
        }
        if (warmupRuns < 0) {
            throw new NncjException("warm-up runs must be 0 or more, got " + warmupRuns);
        }
        if (runs < 1) {
            throw new NncjException("runs must be at least 1, got " + runs);
        }
        if (runtime == null) {
            throw new NncjException("runtime options are required");
        }
        if (vocabSize == null) {
            vocabSize = OptionalInt.empty();
        }
        if (vocabSize.isPresent() && vocabSize.getAsInt() < 2) {
            throw new NncjException("vocabulary size must be at least 2, got " + vocabSize.getAsInt());
        }
    }

    /** Batch 1, sequence length 128, 10 warm-up and 100 timed runs, default runtime options. */
    public static BenchmarkOptions defaults() {
        return new BenchmarkOptions(1, 128, 10, 100, RuntimeOptions.defaults(), OptionalInt.empty());
    }

    public BenchmarkOptions withBatch(int newBatch) {
        return new BenchmarkOptions(newBatch, seqLen, warmupRuns, runs, runtime, vocabSize);
    }

    public BenchmarkOptions withSeqLen(int newSeqLen) {
        return new BenchmarkOptions(batch, newSeqLen, warmupRuns, runs, runtime, vocabSize);
    }

    public BenchmarkOptions withWarmupRuns(int newWarmupRuns) {
        return new BenchmarkOptions(batch, seqLen, newWarmupRuns, runs, runtime, vocabSize);
    }

    public BenchmarkOptions withRuns(int newRuns) {
        return new BenchmarkOptions(batch, seqLen, warmupRuns, newRuns, runtime, vocabSize);
    }

    public BenchmarkOptions withRuntime(RuntimeOptions newRuntime) {
        return new BenchmarkOptions(batch, seqLen, warmupRuns, runs, newRuntime, vocabSize);
    }

    public BenchmarkOptions withVocabSize(int size) {
        return new BenchmarkOptions(batch, seqLen, warmupRuns, runs, runtime, OptionalInt.of(size));
    }

    /** The synthesizer these options describe, with the default seed. */
    public InputSynthesizer synthesizer() {
        return new InputSynthesizer(batch, seqLen, vocabSize.orElse(InputSynthesizer.DEFAULT_VOCAB_SIZE),
                InputSynthesizer.DEFAULT_SEED);
    }
}
