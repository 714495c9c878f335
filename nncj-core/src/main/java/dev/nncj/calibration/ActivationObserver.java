package dev.nncj.calibration;

import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.TempFiles;
import dev.nncj.data.EncodedBatch;
import dev.nncj.data.TextTokenizer;
import dev.nncj.eval.FloatArray;
import dev.nncj.eval.ImageInput;
import dev.nncj.eval.TextModelSession;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.SaveOptions;
import dev.nncj.onnx.TokenEmbedding;
import dev.nncj.runtime.OrtMessages;
import dev.nncj.runtime.OrtSessions;
import dev.nncj.runtime.RuntimeOptions;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one place NNCJ runs calibration data through ONNX Runtime to look inside a model. The
 * tensors to observe are added as extra graph outputs of a copy of the model (written to a
 * temporary folder, so that models with external data work too), one session is opened on it, and
 * each {@link #sweep} streams the data batch by batch, handing every batch's values to an
 * {@link ActivationAccumulator}. Sentences are fed through {@link TextModelSession}, which finds
 * input_ids, attention_mask and token_type_ids by role; images through the classifier's one float
 * input ({@link ImageInput}), whose fed pixels are themselves observable by the input's name.
 *
 * <p>A method that needs two passes (a histogram over the range the first one found) sweeps twice
 * over the same session. Close the observer to free the session's native memory and the folder.
 */
public final class ActivationObserver implements AutoCloseable {
    /** Nothing here is timed, so ONNX Runtime may use every core; the values do not depend on it. */
    private static final String FILE = "observed.onnx";

    private final Feed feed;
    private final Path dir;

    private ActivationObserver(Feed feed, Path dir) {
        this.feed = feed;
        this.dir = dir;
    }

    /**
     * Opens a session that observes {@code tensors} of {@code model} on {@code data}; {@code model}
     * itself is left as it was.
     *
     * @throws NncjException when the data holds no examples, the tokenizer's vocabulary runs past the
     *     model's embedding table, or ONNX Runtime cannot load the model
     */
    public static ActivationObserver open(OnnxModel model, Collection<String> tensors, CalibrationData data) {
        Set<String> observed = new LinkedHashSet<>(tensors);
        Set<String> computed = new LinkedHashSet<>(observed); // a graph input is read from what is fed
        computed.removeIf(model.graph()::isGraphInput);
        return data instanceof CalibrationData.Sentences s ? openText(model, computed, s)
                : openImages(model, observed, computed, (CalibrationData.Images) data);
    }

    private static RuntimeOptions runtime(CalibrationData data) {
        return RuntimeOptions.defaults().withIntraOpThreads(data.threads());
    }

    private static ActivationObserver openText(OnnxModel model, Set<String> computed, CalibrationData.Sentences data) {
        if (data.sentences().isEmpty()) {
            throw new NncjException("calibration data: no sentences to calibrate on");
        }
        TextTokenizer tokenizer = TextTokenizer.load(data.tokenizer());
        try {
            checkVocabulary(model, tokenizer);
            Path dir = exposed(model, computed);
            try {
                TextModelSession session = new TextModelSession(dir.resolve(FILE), runtime(data), Optional.empty());
                return new ActivationObserver(new TextFeed(data, tokenizer, session, computed), dir);
            } catch (RuntimeException e) {
                TempFiles.delete(dir);
                throw e;
            }
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    private static ActivationObserver openImages(OnnxModel model, Set<String> observed, Set<String> computed,
                                                 CalibrationData.Images data) {
        if (data.measured() < 1) {
            throw new NncjException("no images to measure activations on");
        }
        Path source = model.source().orElse(Path.of("(model in memory)"));
        Path dir = exposed(model, computed);
        try {
            OrtSession session = OrtSessions.open(dir.resolve(FILE), runtime(data));
            try {
                ImageInput input = ImageInput.of(session, source);
                return new ActivationObserver(new ImageFeed(data, session, input, observed, computed, source), dir);
            } catch (OrtException | RuntimeException e) {
                session.close();
                throw e;
            }
        } catch (OrtException e) {
            TempFiles.delete(dir);
            throw NncjException.inFile(source, "ONNX Runtime failed to run the model: " + OrtMessages.firstLine(e), e);
        } catch (RuntimeException e) {
            TempFiles.delete(dir);
            throw e;
        }
    }

    /** Opens, makes one {@link #sweep} and closes: what a method with a single pass needs. */
    public static void observe(OnnxModel model, Collection<String> tensors, CalibrationData data, String task,
                               ProgressListener progress, ActivationAccumulator accumulator) {
        try (ActivationObserver observer = open(model, tensors, data)) {
            observer.sweep(task, progress, accumulator);
        }
    }

    /**
     * Runs every example once, in order and in batches, and hands each batch's observed values to
     * {@code accumulator}; {@code progress} counts batches.
     */
    public void sweep(String task, ProgressListener progress, ActivationAccumulator accumulator) {
        progress.start(task, (feed.examples() + feed.batchSize() - 1) / feed.batchSize());
        try {
            for (int start = 0; start < feed.examples(); start += feed.batchSize()) {
                feed.run(start, Math.min(feed.batchSize(), feed.examples() - start), accumulator);
                progress.advance(1);
            }
        } finally {
            progress.finish();
        }
    }

    @Override
    public void close() {
        try {
            feed.close();
        } finally {
            TempFiles.delete(dir);
        }
    }

    /** Refuses a tokenizer whose ids would run past the model's token-embedding table. */
    private static void checkVocabulary(OnnxModel model, TextTokenizer tokenizer) {
        TokenEmbedding.vocabularySize(model.graph()).ifPresent(rows -> {
            if (tokenizer.vocabularySize() > rows) {
                throw NncjException.inFile(tokenizer.file(), "vocabulary has " + tokenizer.vocabularySize()
                        + " tokens but the model embeds only " + rows + " (wrong tokenizer for this model?)");
            }
        });
    }

    /** A temporary folder holding {@code model} with every tensor of {@code computed} as a float output. */
    private static Path exposed(OnnxModel model, Set<String> computed) {
        Path dir;
        try {
            dir = TempFiles.createDirectory("nncj-calibration");
        } catch (IOException e) {
            throw new NncjException("cannot create a temporary folder for calibration: " + e.getMessage(), e);
        }
        List<ValueInfoProto> outputs = List.copyOf(model.graph().outputs()); // a copy: setOutputs clears the live list
        List<ValueInfoProto> extended = new ArrayList<>(outputs);
        for (String t : computed) {
            if (!model.graph().isGraphOutput(t)) {
                extended.add(ValueInfoProto.newBuilder().setName(t).setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(DataType.FLOAT.code()))).build());
            }
        }
        try {
            model.graph().setOutputs(extended);
            OnnxFiles.save(model, dir.resolve(FILE), SaveOptions.defaults());
            return dir;
        } catch (RuntimeException e) {
            TempFiles.delete(dir);
            throw e;
        } finally {
            model.graph().setOutputs(outputs);
        }
    }

    /** How one kind of data reaches the session. */
    private interface Feed extends AutoCloseable {
        int examples();

        int batchSize();

        /** Runs examples {@code start .. start+count-1} and hands their observed values to {@code accumulator}. */
        void run(int start, int count, ActivationAccumulator accumulator);

        @Override
        void close();
    }

    private record TextFeed(CalibrationData.Sentences data, TextTokenizer tokenizer, TextModelSession session,
                            Set<String> computed) implements Feed {
        @Override
        public int examples() {
            return data.sentences().size();
        }

        @Override
        public int batchSize() {
            return data.batchSize();
        }

        @Override
        public void run(int start, int count, ActivationAccumulator accumulator) {
            EncodedBatch batch = tokenizer.encode(data.sentences().subList(start, start + count));
            accumulator.accept(new ObservedBatch(count, Optional.of(batch)), session.runAll(batch, computed));
        }

        @Override
        public void close() {
            try {
                session.close();
            } finally {
                tokenizer.close();
            }
        }
    }

    /** @param observed what the accumulators asked for, {@code computed} and possibly the input itself */
    private record ImageFeed(CalibrationData.Images data, OrtSession session, ImageInput input, Set<String> observed,
                             Set<String> computed, Path source) implements Feed {
        @Override
        public int examples() {
            return data.measured();
        }

        @Override
        public int batchSize() {
            return data.batchSize();
        }

        @Override
        public void run(int start, int count, ActivationAccumulator accumulator) {
            try (OnnxTensor x = input.batch(data.dataset(), start, count);
                 OrtSession.Result result = session.run(Map.of(input.name(), x), computed)) {
                Map<String, FloatArray> values = new LinkedHashMap<>();
                if (observed.contains(input.name())) {
                    values.put(input.name(), copy(x));
                }
                for (Map.Entry<String, OnnxValue> e : result) {
                    if (e.getValue() instanceof OnnxTensor t && t.getInfo().type == OnnxJavaType.FLOAT) {
                        values.put(e.getKey(), copy(t));
                    }
                }
                accumulator.accept(new ObservedBatch(count, Optional.empty()), values);
            } catch (OrtException e) {
                throw NncjException.inFile(source, "ONNX Runtime failed to run the model: " + OrtMessages.firstLine(e), e);
            }
        }

        /** The tensor's values, copied out of native memory before the result is closed. */
        private static FloatArray copy(OnnxTensor t) {
            FloatBuffer buffer = t.getFloatBuffer();
            float[] data = new float[buffer.remaining()];
            buffer.get(data);
            return new FloatArray(t.getInfo().getShape(), data);
        }

        @Override
        public void close() {
            try {
                session.close();
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime failed to release the calibration session", e);
            }
        }
    }
}
