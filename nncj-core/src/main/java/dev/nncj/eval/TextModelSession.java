package dev.nncj.eval;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.nncj.NncjException;
import dev.nncj.data.EncodedBatch;
import dev.nncj.runtime.OrtMessages;
import dev.nncj.runtime.OrtSessions;
import dev.nncj.runtime.RuntimeOptions;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An ONNX Runtime session on a text model (BERT-style inputs: input_ids, attention_mask and
 * optionally token_type_ids, int64 or int32), fed from tokenized batches. One session serves a
 * whole evaluation; close it to free its native memory.
 */
public final class TextModelSession implements AutoCloseable {
    private final Path file;
    private final OrtSession session;
    private final String outputName;
    private final Map<String, NodeInfo> inputs;

    public TextModelSession(Path file, RuntimeOptions runtime, Optional<String> outputName) {
        this(file, OrtSessions.open(file, runtime), outputName);
    }

    /** A session on an ORT-format file ({@code nncj export --format ort}) rather than an ONNX model. */
    public static TextModelSession ofOrtFormat(Path file, RuntimeOptions runtime, Optional<String> outputName) {
        return new TextModelSession(file, OrtSessions.openOrtFormat(file, runtime), outputName);
    }

    private TextModelSession(Path file, OrtSession session, Optional<String> outputName) {
        this.file = file;
        this.session = session;
        try {
            this.inputs = session.getInputInfo();
            List<String> outputs = List.copyOf(session.getOutputNames());
            this.outputName = outputName.orElse(outputs.get(0));
            if (!outputs.contains(this.outputName)) {
                throw NncjException.inFile(file, "has no output '" + this.outputName + "' (outputs: " + outputs + ")");
            }
            for (String name : inputs.keySet()) {
                role(name);
            }
        } catch (OrtException e) {
            close();
            throw NncjException.inFile(file, "cannot read the model's inputs: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    /** The model's outputs, in the model's order. */
    public List<String> outputNames() {
        return List.copyOf(session.getOutputNames());
    }

    /** Static size of the output's last axis (classes, embedding width), or -1 when dynamic. */
    public long outputWidth() {
        try {
            NodeInfo info = session.getOutputInfo().get(outputName);
            if (info.getInfo() instanceof TensorInfo t && t.getShape().length > 0) {
                return t.getShape()[t.getShape().length - 1];
            }
            return -1;
        } catch (OrtException e) {
            return -1;
        }
    }

    /** Runs the model on one batch and copies the chosen output out of native memory. */
    public FloatArray run(EncodedBatch batch) {
        FloatArray out = runAll(batch, List.of(outputName)).get(outputName);
        if (out == null) {
            throw NncjException.inFile(file, "output '" + outputName + "' is not float32");
        }
        return out;
    }

    /**
     * Runs one batch and copies every named float output out of native memory, for callers that read
     * intermediate tensors exposed as outputs (calibration of activation ranges).
     */
    public Map<String, FloatArray> runAll(EncodedBatch batch, java.util.Collection<String> outputNames) {
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            for (Map.Entry<String, NodeInfo> in : inputs.entrySet()) {
                feed.put(in.getKey(), tensor(in.getValue(), role(in.getKey()).of(batch)));
            }
            Map<String, FloatArray> out = new java.util.LinkedHashMap<>();
            // results hold native buffers: copy what we need and close them before the next batch
            try (OrtSession.Result result = session.run(feed, new java.util.LinkedHashSet<>(outputNames))) {
                for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
                    OnnxTensor t = (OnnxTensor) e.getValue();
                    if (t.getInfo().type != OnnxJavaType.FLOAT) {
                        continue;
                    }
                    java.nio.FloatBuffer buffer = t.getFloatBuffer();
                    float[] data = new float[buffer.remaining()];
                    buffer.get(data);
                    out.put(e.getKey(), new FloatArray(t.getInfo().getShape(), data));
                }
            }
            return out;
        } catch (OrtException e) {
            throw NncjException.inFile(file, "ONNX Runtime failed to run the model: " + OrtMessages.firstLine(e), e);
        } finally {
            feed.values().forEach(OnnxTensor::close);
        }
    }

    /** Sentence embeddings: mean-pooled when the output is token-level [batch, seq, dim]. */
    public float[][] sentenceEmbeddings(EncodedBatch batch) {
        FloatArray out = run(batch);
        if (out.rank() == 3) {
            return MeanPooling.pool(out, batch.attentionMask());
        }
        if (out.rank() == 2) {
            float[][] rows = new float[out.dim(0)][];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = out.row(i);
            }
            return rows;
        }
        throw NncjException.inFile(file, "output '" + outputName + "' has rank " + out.rank()
                + "; sentence embeddings need [batch, dim] or [batch, seq, dim]");
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed to release the session of " + file, e);
        }
    }

    private enum Role {
        IDS, MASK, TOKEN_TYPES;

        long[][] of(EncodedBatch b) {
            return switch (this) {
                case IDS -> b.inputIds();
                case MASK -> b.attentionMask();
                case TOKEN_TYPES -> b.tokenTypeIds();
            };
        }
    }

    private Role role(String input) {
        String n = input.toLowerCase(java.util.Locale.ROOT);
        if (n.contains("mask")) {
            return Role.MASK;
        }
        if (n.contains("token_type") || n.contains("segment")) {
            return Role.TOKEN_TYPES;
        }
        if (n.contains("ids")) {
            return Role.IDS;
        }
        throw NncjException.inFile(file, "input '" + input
                + "' is not a text-model input (expected input_ids, attention_mask, token_type_ids)");
    }

    private OnnxTensor tensor(NodeInfo info, long[][] rows) throws OrtException {
        int batch = rows.length;
        int seq = batch == 0 ? 0 : rows[0].length;
        long[] shape = {batch, seq};
        boolean int32 = info.getInfo() instanceof TensorInfo t && t.type == OnnxJavaType.INT32;
        if (int32) {
            IntBuffer buf = IntBuffer.allocate(batch * seq);
            for (long[] row : rows) {
                for (long v : row) {
                    buf.put((int) v);
                }
            }
            return OnnxTensor.createTensor(OrtSessions.environment(), buf.flip(), shape);
        }
        LongBuffer buf = LongBuffer.allocate(batch * seq);
        for (long[] row : rows) {
            buf.put(row);
        }
        return OnnxTensor.createTensor(OrtSessions.environment(), buf.flip(), shape);
    }
}
