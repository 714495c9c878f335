package dev.nncj.train.execution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.runtime.OrtSessions;
import dev.nncj.train.ops.TensorArrays;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runs the same model in ONNX Runtime and in the executor, for equivalence tests. */
public final class OrtReference {
    private OrtReference() {}

    /** ORT's outputs for {@code inputs}, by output name. */
    public static Map<String, Tensor> runOrt(OnnxModel model, Map<String, Tensor> inputs) throws Exception {
        try (OrtSession session = OrtSessions.environment().createSession(OnnxFiles.toBytes(model))) {
            return run(session, inputs);
        }
    }

    /** As {@link #runOrt} on a session opened once, for callers that run a model many times. */
    public static Map<String, Tensor> run(OrtSession session, Map<String, Tensor> inputs) throws Exception {
        OrtEnvironment env = OrtSessions.environment();
        Map<String, OnnxTensor> feeds = new HashMap<>();
        try {
            for (var e : inputs.entrySet()) {
                Tensor t = e.getValue();
                ByteBuffer direct = ByteBuffer.allocateDirect(t.rawData().remaining()).order(ByteOrder.nativeOrder());
                direct.put(t.rawData().duplicate()).rewind();
                feeds.put(e.getKey(), OnnxTensor.createTensor(env, direct, t.shape(), javaType(t.type())));
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            try (OrtSession.Result result = session.run(feeds)) {
                for (Map.Entry<String, OnnxValue> e : result) {
                    OnnxTensor v = (OnnxTensor) e.getValue();
                    TensorInfo info = v.getInfo();
                    ByteBuffer bytes = v.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                    out.put(e.getKey(), Tensor.ofRaw(e.getKey(), onnxType(info.type),
                            info.getShape(), bytes));
                }
            }
            return out;
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    /** The executor's outputs for {@code inputs} (no gradients), converted to tensors. */
    public static Map<String, Tensor> runExecutor(OnnxModel model, Map<String, Tensor> inputs) {
        return runExecutor(model, ExecutorOptions.defaults(), inputs);
    }

    /** As {@link #runExecutor(OnnxModel, Map)} with the executor built by {@code options} (extra kernels). */
    public static Map<String, Tensor> runExecutor(OnnxModel model, ExecutorOptions options, Map<String, Tensor> inputs) {
        try (OnnxExecutor executor = OnnxExecutor.create(model, options);
                NDManager step = executor.manager().newSubManager()) {
            Map<String, NDArray> feeds = new HashMap<>();
            inputs.forEach((name, t) -> feeds.put(name, TensorArrays.toArray(step, t)));
            Map<String, Tensor> out = new LinkedHashMap<>();
            executor.forward(step, feeds).forEach((name, a) -> out.put(name, TensorArrays.toTensor(name, a)));
            return out;
        }
    }

    /**
     * The largest absolute difference between ORT's and the executor's outputs over all outputs;
     * shapes and element types must agree exactly.
     */
    public static double maxAbsDiff(OnnxModel model, Map<String, Tensor> inputs) throws Exception {
        return diffs(model, inputs).values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }

    /** The largest absolute difference per output. */
    public static Map<String, Double> diffs(OnnxModel model, Map<String, Tensor> inputs) throws Exception {
        Map<String, Tensor> ort = runOrt(model, inputs);
        Map<String, Tensor> ours = runExecutor(model, inputs);
        Map<String, Double> diffs = new LinkedHashMap<>();
        if (!ort.keySet().equals(ours.keySet())) {
            throw new AssertionError("outputs differ: ORT " + ort.keySet() + ", executor " + ours.keySet());
        }
        for (String name : ort.keySet()) {
            double max = 0;
            Tensor a = ort.get(name);
            Tensor b = ours.get(name);
            if (!java.util.Arrays.equals(a.shape(), b.shape()) || a.type() != b.type()) {
                throw new AssertionError(name + ": ORT gives " + a + ", executor " + b);
            }
            float[] x = a.toFloats();
            float[] y = b.toFloats();
            for (int i = 0; i < x.length; i++) {
                if (Float.isNaN(x[i]) != Float.isNaN(y[i])) {
                    throw new AssertionError(name + "[" + i + "]: " + x[i] + " vs " + y[i]);
                }
                if (!Float.isNaN(x[i])) {
                    max = Math.max(max, Math.abs((double) x[i] - y[i]));
                }
            }
            diffs.put(name, max);
        }
        return diffs;
    }

    private static DataType onnxType(OnnxJavaType type) {
        return switch (type) {
            case FLOAT -> DataType.FLOAT;
            case DOUBLE -> DataType.DOUBLE;
            case INT64 -> DataType.INT64;
            case INT32 -> DataType.INT32;
            case INT8 -> DataType.INT8;
            case UINT8 -> DataType.UINT8;
            case BOOL -> DataType.BOOL;
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    private static OnnxJavaType javaType(DataType type) {
        return switch (type) {
            case FLOAT -> OnnxJavaType.FLOAT;
            case DOUBLE -> OnnxJavaType.DOUBLE;
            case INT64 -> OnnxJavaType.INT64;
            case INT32 -> OnnxJavaType.INT32;
            case INT8 -> OnnxJavaType.INT8;
            case UINT8 -> OnnxJavaType.UINT8;
            case BOOL -> OnnxJavaType.BOOL;
            default -> throw new IllegalArgumentException(type.toString());
        };
    }
}
