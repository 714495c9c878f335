package dev.nncj.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import ai.onnxruntime.platform.Fp16Conversions;
import dev.nncj.NncjException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Makes plausible inputs for any model from its declared input signature, so a model can be
 * benchmarked (and two models compared) without a dataset or tokenizer.
 *
 * <p>Shapes: fixed dimensions are kept. A dynamic dimension whose symbolic name says what it is
 * ("batch", "batch_size"; "seq", "sequence_length", "len", "num_tokens") gets the batch size or the
 * sequence length accordingly; any other dynamic dimension (unnamed, or "N", "dim_0") gets the batch
 * size if it is the input's first dynamic dimension and no named batch dimension exists, and the
 * sequence length otherwise. So input_ids[batch, seq] and x[?, ?, 16] become [B, L] and [B, L, 16],
 * and position_ids[1, seq] becomes [1, L] rather than [1, B].
 *
 * <p>Values follow the input's name and element type, because transformer exports name their inputs
 * the Hugging Face way and a wrong value (an id beyond the vocabulary, a token type of 7) fails in
 * Gather:
 * <ul>
 *   <li>integer names containing "mask": all ones (every token attended, the costliest case);
 *   <li>integer names containing "token_type" or "segment": zeros (a single segment);
 *   <li>integer names containing "position": 0, 1, 2, ... along the last dimension;
 *   <li>other integers (input_ids): uniform ids in [low, vocabSize), low = min(100, vocabSize / 2),
 *       which keeps clear of BERT's [PAD]=0 and unused ids below 100;
 *   <li>float, double, float16, bfloat16: normal(0, 1);
 *   <li>bool: true.
 * </ul>
 * Randomness is a {@link SplittableRandom} seeded from the seed and the input's name, so the same
 * input of two models (an original and its compressed version) gets identical values even when
 * their other inputs differ, and every run of NNCJ feeds the same numbers.
 */
public final class InputSynthesizer {
    /** The seed used unless the caller picks another; fixed so benchmarks are repeatable. */
    public static final long DEFAULT_SEED = 0x5EED_2025L;
    /** Ids stay below this when the vocabulary size is unknown: every real text model has more. */
    public static final int DEFAULT_VOCAB_SIZE = 1000;

    private final int batch;
    private final int seqLen;
    private final int vocabSize;
    private final long seed;

    /** Batch {@code batch}, sequence length {@code seqLen}, default vocabulary size and seed. */
    public InputSynthesizer(int batch, int seqLen) {
        this(batch, seqLen, DEFAULT_VOCAB_SIZE, DEFAULT_SEED);
    }

    public InputSynthesizer(int batch, int seqLen, int vocabSize, long seed) {
        if (batch < 1) {
            throw new NncjException("batch size must be at least 1, got " + batch);
        }
        if (seqLen < 1) {
            throw new NncjException("sequence length must be at least 1, got " + seqLen);
        }
        if (vocabSize < 2) {
            throw new NncjException("vocabulary size must be at least 2, got " + vocabSize);
        }
        this.batch = batch;
        this.seqLen = seqLen;
        this.vocabSize = vocabSize;
        this.seed = seed;
    }

    public InputSynthesizer withVocabSize(int size) {
        return new InputSynthesizer(batch, seqLen, size, seed);
    }

    public InputSynthesizer withSeed(long newSeed) {
        return new InputSynthesizer(batch, seqLen, vocabSize, newSeed);
    }

    /** Smallest synthesized token id (inclusive). */
    public int lowestId() {
        return Math.min(100, vocabSize / 2);
    }

    /** One past the largest synthesized token id. */
    public int vocabSize() {
        return vocabSize;
    }

    /**
     * Builds a tensor for every input of {@code session}. The caller closes the result.
     *
     * @throws NncjException "input 'NAME' ...", when an input is not a tensor or has an element type
     *     that cannot be synthesized (string, uint8, ...)
     */
    public SessionInputs synthesize(OrtSession session) {
        Map<String, NodeInfo> infos;
        try {
            infos = session.getInputInfo();
        } catch (OrtException e) {
            throw new NncjException("cannot read the model's inputs: " + OrtMessages.firstLine(e), e);
        }
        Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        try {
            for (NodeInfo info : infos.values()) {
                tensors.put(info.getName(), tensorFor(info.getName(), info.getInfo()));
            }
            return new SessionInputs(tensors);
        } catch (RuntimeException e) {
            // Free what was built before the failure: nobody else holds these tensors.
            tensors.values().forEach(OnnxTensor::close);
            throw e;
        }
    }

    /**
     * The concrete shape for a declared one with no dimension names: the first dynamic dim (-1)
     * becomes the batch size, later ones the sequence length.
     */
    public long[] resolveShape(long[] declared) {
        return resolveShape(declared, new String[declared.length]);
    }

    /**
     * The concrete shape for a declared one (dynamic dims are -1) whose dims carry the symbolic names
     * {@code names} (null or empty where unnamed); see the class comment for the rule.
     */
    public long[] resolveShape(long[] declared, String[] names) {
        long[] shape = declared.clone();
        DimRole[] roles = new DimRole[shape.length];
        boolean batchNamed = false;
        for (int i = 0; i < shape.length; i++) {
            roles[i] = shape[i] < 0 ? DimRole.of(i < names.length ? names[i] : null) : null;
            batchNamed |= roles[i] == DimRole.BATCH;
        }
        boolean batchTaken = batchNamed;
        for (int i = 0; i < shape.length; i++) {
            if (roles[i] == null) {
                continue;
            }
            DimRole role = roles[i];
            if (role == DimRole.UNKNOWN) {
                role = batchTaken ? DimRole.SEQUENCE : DimRole.BATCH;
            }
            batchTaken |= role == DimRole.BATCH;
            shape[i] = role == DimRole.BATCH ? batch : seqLen;
        }
        return shape;
    }

    /** What a dynamic dimension's symbolic name says it is. */
    private enum DimRole {
        BATCH, SEQUENCE, UNKNOWN;

        static DimRole of(String name) {
            if (name == null) {
                return UNKNOWN;
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.contains("batch")) {
                return BATCH;
            }
            if (lower.contains("seq") || lower.contains("len") || lower.contains("token")) {
                return SEQUENCE;
            }
            return UNKNOWN;
        }
    }

    private OnnxTensor tensorFor(String name, ValueInfo valueInfo) {
        if (!(valueInfo instanceof TensorInfo info)) {
            throw new NncjException("input '" + name + "' is a " + valueInfo.getClass().getSimpleName()
                    + ", not a tensor; only tensor inputs can be synthesized");
        }
        long[] shape = resolveShape(info.getShape(), info.getDimensionNames());
        int count = elementCount(name, shape);
        SplittableRandom random = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * name.hashCode()));
        OrtEnvironment env = OrtSessions.environment();
        try {
            return switch (info.type) {
                case INT64 -> {
                    ByteBuffer bytes = direct(count, Long.BYTES);
                    bytes.asLongBuffer().put(integers(name, shape, count, random));
                    yield OnnxTensor.createTensor(env, bytes.asLongBuffer(), shape);
                }
                case INT32 -> {
                    long[] values = integers(name, shape, count, random);
                    ByteBuffer bytes = direct(count, Integer.BYTES);
                    for (long v : values) {
                        bytes.putInt((int) v);
                    }
                    yield OnnxTensor.createTensor(env, bytes.rewind().asIntBuffer(), shape);
                }
                case FLOAT -> {
                    ByteBuffer bytes = direct(count, Float.BYTES);
                    for (int i = 0; i < count; i++) {
                        bytes.putFloat((float) gaussian(random));
                    }
                    yield OnnxTensor.createTensor(env, bytes.rewind().asFloatBuffer(), shape);
                }
                case DOUBLE -> {
                    ByteBuffer bytes = direct(count, Double.BYTES);
                    for (int i = 0; i < count; i++) {
                        bytes.putDouble(gaussian(random));
                    }
                    yield OnnxTensor.createTensor(env, bytes.rewind().asDoubleBuffer(), shape);
                }
                case FLOAT16, BFLOAT16 -> {
                    boolean half = info.type == OnnxJavaType.FLOAT16;
                    ByteBuffer bytes = direct(count, Short.BYTES);
                    for (int i = 0; i < count; i++) {
                        float v = (float) gaussian(random);
                        bytes.putShort(half ? Fp16Conversions.floatToFp16(v) : Fp16Conversions.floatToBf16(v));
                    }
                    yield OnnxTensor.createTensor(env, bytes.rewind().asShortBuffer(), shape, info.type);
                }
                case BOOL -> {
                    ByteBuffer bytes = direct(count, 1);
                    for (int i = 0; i < count; i++) {
                        bytes.put((byte) 1);
                    }
                    yield OnnxTensor.createTensor(env, bytes.rewind(), shape, OnnxJavaType.BOOL);
                }
                default -> throw new NncjException("input '" + name + "' has element type "
                        + info.onnxType.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "").toLowerCase(Locale.ROOT)
                        + ", which cannot be synthesized (supported: int64, int32, float, double, float16,"
                        + " bfloat16, bool)");
            };
        } catch (OrtException e) {
            throw new NncjException("input '" + name + "': ONNX Runtime rejected the synthesized tensor "
                    + Arrays.toString(shape) + ": " + OrtMessages.firstLine(e), e);
        }
    }

    /** Values for an integer input, chosen by what its name says it holds (see the class comment). */
    private long[] integers(String name, long[] shape, int count, SplittableRandom random) {
        String lower = name.toLowerCase(Locale.ROOT);
        long[] values = new long[count];
        if (lower.contains("mask")) {
            Arrays.fill(values, 1L);
        } else if (lower.contains("token_type") || lower.contains("segment")) {
            Arrays.fill(values, 0L);
        } else if (lower.contains("position")) {
            long last = shape.length == 0 ? 1 : Math.max(1, shape[shape.length - 1]);
            for (int i = 0; i < count; i++) {
                values[i] = i % last;
            }
        } else {
            int low = lowestId();
            for (int i = 0; i < count; i++) {
                values[i] = random.nextInt(low, vocabSize);
            }
        }
        return values;
    }

    private int elementCount(String name, long[] shape) {
        long count = 1;
        for (long d : shape) {
            count = Math.multiplyExact(count, d);
            // Direct buffers are int-indexed and 8 bytes per element at most.
            if (count > Integer.MAX_VALUE / Long.BYTES) {
                throw new NncjException("input '" + name + "' would have shape " + Arrays.toString(shape)
                        + ", too large to synthesize; lower the batch size or sequence length");
            }
        }
        return (int) count;
    }

    /**
     * A native-order direct buffer: ORT wraps it without copying, and it lives outside the Java heap,
     * so inputs neither move during a run nor add garbage-collection work to the timings.
     */
    private static ByteBuffer direct(int count, int bytesPerElement) {
        return ByteBuffer.allocateDirect(count * bytesPerElement).order(ByteOrder.nativeOrder());
    }

    /** Standard normal by Box-Muller; SplittableRandom has no nextGaussian in Java 17. */
    private static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble(); // in (0, 1], so log(u) is finite
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * random.nextDouble());
    }
}
