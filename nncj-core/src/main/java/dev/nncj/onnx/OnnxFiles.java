package dev.nncj.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.nncj.NncjException;
import dev.nncj.OutputFiles;
import dev.nncj.TempFiles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads and writes ONNX files. Loading checks that the file is a model (graph and opset present)
 * and turns protobuf failures into one-line errors naming the file. Saving is atomic: data goes to
 * a temporary file beside the target and is renamed into place, so a crash never leaves half a
 * model, and the input is never overwritten unless asked.
 */
public final class OnnxFiles {
    private OnnxFiles() {}

    public static OnnxModel load(Path file) {
        ModelProto proto = readProto(file);
        return OnnxModel.fromProto(proto, ExternalData.beside(file), file.toAbsolutePath());
    }

    /** Parses the protobuf only, checking it is an ONNX model; external data is not read. */
    public static ModelProto readProto(Path file) {
        if (!Files.exists(file)) {
            throw NncjException.inFile(file, "file not found");
        }
        if (Files.isDirectory(file)) {
            throw NncjException.inFile(file, "is a directory, not an ONNX file");
        }
        if (!Files.isRegularFile(file)) {
            throw NncjException.inFile(file, "is not a regular file (a FIFO, socket or device), not an ONNX file");
        }
        ModelProto proto;
        try (InputStream in = Files.newInputStream(file)) {
            CodedInputStream coded = CodedInputStream.newInstance(in);
            coded.setSizeLimit(Integer.MAX_VALUE); // the default 64 MB limit rejects real models
            coded.setRecursionLimit(1000);
            proto = ModelProto.parseFrom(coded);
        } catch (InvalidProtocolBufferException e) {
            String why = e.getMessage() != null && e.getMessage().contains("ended unexpectedly")
                    ? "is truncated or corrupt (the protobuf ends unexpectedly)"
                    : "is not an ONNX model (protobuf parse failed: " + firstLine(e.getMessage()) + ")";
            throw NncjException.inFile(file, why, e);
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot read: " + e.getMessage(), e);
        }
        if (!proto.hasGraph() || proto.getOpsetImportCount() == 0 || proto.getIrVersion() <= 0) {
            throw NncjException.inFile(file, "is not an ONNX model (no graph, IR version or opset import)");
        }
        return proto;
    }

    /**
     * A model from a ModelProto assembled in memory (a container being unpacked); {@code externalData}
     * resolves any external data (e.g. {@link ExternalData#beside} the container) and names the file in
     * refusals. The model has no source file.
     */
    public static OnnxModel fromProto(ModelProto proto, ExternalData externalData) {
        return OnnxModel.fromProto(proto, externalData, null);
    }

    /** The model as a ModelProto, each initializer encoded by {@code encode} (containers choose their own). */
    public static ModelProto toProto(OnnxModel model, java.util.function.Function<Tensor, TensorProto> encode) {
        return model.toProto(encode);
    }

    /** The model as bytes in one protobuf (for in-memory ONNX Runtime sessions of small models). */
    public static byte[] toBytes(OnnxModel model) {
        return model.toProto(TensorProtos::toProto).toByteArray();
    }

    /**
     * Writes {@code model} to {@code target} atomically. Tensor data moves to
     * {@code target}.data when the options ask for it or the model would exceed protobuf's 2 GB.
     */
    public static void save(OnnxModel model, Path target, SaveOptions options) {
        Path absolute = target.toAbsolutePath();
        refuseOverwritingInput(model, absolute, options);
        Path dir = absolute.getParent();
        try {
            Files.createDirectories(dir);
            if (useExternalData(model, options)) {
                writeWithExternalData(model, absolute, options.externalThreshold());
            } else {
                ModelProto proto = model.toProto(TensorProtos::toProto);
                writeAtomically(absolute, out -> {
                    CodedOutputStream coded = CodedOutputStream.newInstance(out, 1 << 16);
                    proto.writeTo(coded);
                    coded.flush();
                });
            }
        } catch (IOException e) {
            throw NncjException.inFile(target, "cannot write: " + e.getMessage(), e);
        }
    }

    public static void save(OnnxModel model, Path target) {
        save(model, target, SaveOptions.defaults());
    }

    /** Refuses {@code target} when it is the file {@code model} was loaded from, unless the options allow it. */
    public static void refuseOverwritingInput(OnnxModel model, Path target, SaveOptions options) {
        if (!options.overwriteInput() && isSourceOf(model, target)) {
            throw NncjException.inFile(target, "refusing to overwrite the input model (choose another output, or ",
                    dev.nncj.OptionName.of("overwriteInput"), ")");
        }
    }

    /**
     * Whether {@code target} is the file {@code model} was loaded from. A source that no longer exists
     * (a training run's deleted checkpoint) is no file at all, so it cannot be the target.
     */
    public static boolean isSourceOf(OnnxModel model, Path target) {
        if (model.source().isEmpty() || !Files.exists(target) || !Files.exists(model.source().get())) {
            return false;
        }
        try {
            return Files.isSameFile(model.source().get(), target);
        } catch (IOException e) {
            throw NncjException.inFile(target, "cannot check the output path: " + e.getMessage(), e);
        }
    }

    private static boolean useExternalData(OnnxModel model, SaveOptions options) {
        return switch (options.externalData()) {
            case ALWAYS -> true;
            case NEVER -> false;
            case AUTO -> model.graph().initializers().values().stream().mapToLong(Tensor::byteSize).sum()
                    > SaveOptions.PROTOBUF_LIMIT;
        };
    }

    private static void writeWithExternalData(OnnxModel model, Path target, long threshold) throws IOException {
        String dataName = target.getFileName() + ".data";
        Path dataFile = target.resolveSibling(dataName);
        Path tmpData = OutputFiles.tempBeside(dataFile);
        try {
            ModelProto proto;
            try (FileChannel ch = FileChannel.open(tmpData, StandardOpenOption.WRITE)) {
                long[] offset = {0};
                proto = model.toProto(t -> {
                    if (t.type() == DataType.STRING || t.byteSize() < threshold) {
                        return TensorProtos.toProto(t);
                    }
                    try {
                        long start = align(offset[0]);
                        ByteBuffer data = t.rawData();
                        long pos = start;
                        while (data.hasRemaining()) {
                            pos += ch.write(data, pos);
                        }
                        offset[0] = pos;
                        return TensorProtos.toExternalProto(t, dataName, start);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                ch.force(false);
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
            OutputFiles.moveIntoPlace(tmpData, dataFile);
            writeAtomically(target, proto::writeTo);
        } finally {
            TempFiles.delete(tmpData); // nothing to delete once it was moved into place
        }
    }

    /** ONNX Runtime can memory-map external data; 4 KB alignment lets it (and keeps pages clean). */
    private static long align(long offset) {
        return (offset + 4095) & ~4095L;
    }

    private interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private static void writeAtomically(Path target, Writer writer) throws IOException {
        Path tmp = OutputFiles.tempBeside(target);
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                writer.write(out);
            }
            OutputFiles.moveIntoPlace(tmp, target);
        } finally {
            TempFiles.delete(tmp); // nothing to delete once it was moved into place
        }
    }


    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
