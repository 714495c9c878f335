package dev.nncj.onnx;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.nncj.NncjException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * Where a tensor's external data lives, checked before a byte of it is read: the one place NNCJ
 * (and, through {@code ModelFiles}, ONNX Runtime) resolves an external {@code location}.
 *
 * <p>A model is an untrusted input: whoever hands one over chooses its locations. So the data must
 * be a regular file inside the model's folder, reached without a symbolic link, and the tensor's
 * range must lie inside it with exactly the bytes its type and shape need. Refused: absolute
 * locations, {@code ..}, a link in any path component below the folder (ONNX's own loader refuses
 * links too, after CVE-2024-27318/27319), FIFOs, devices and directories (their attributes are read
 * without following links and before opening, so a FIFO can never block), and negative,
 * non-numeric, overflowing or out-of-file offsets and lengths. The model's folder itself may be
 * reached through links: the user chose it.
 *
 * <p>One instance serves one reading of one model (it remembers the files it has checked), on one thread.
 */
public final class ExternalData {
    private final Path modelFile;
    private final Path folder;
    /** Files already checked, by location: a model keeps hundreds of tensors in one file. */
    private final Map<String, CheckedFile> checked = new HashMap<>();

    private record CheckedFile(Path file, long size) {}

    private ExternalData(Path modelFile, Path folder) {
        this.modelFile = modelFile;
        this.folder = folder;
    }

    /** Locations relative to {@code modelFile}'s folder; refusals name {@code modelFile}. */
    public static ExternalData beside(Path modelFile) {
        return new ExternalData(modelFile, modelFile.toAbsolutePath().getParent().normalize());
    }

    /** Locations relative to {@code folder}, for a model assembled in memory; refusals name the folder. */
    public static ExternalData inFolder(Path folder) {
        return new ExternalData(folder, folder.toAbsolutePath().normalize());
    }

    /** The file refusals name: the model's. */
    public Path modelFile() {
        return modelFile;
    }

    /** The external-data file and the tensor's bytes in it, all checked. */
    public record Range(Path file, long offset, long length) {}

    /**
     * Resolves and checks {@code proto}'s external data without reading it.
     *
     * @throws NncjException "MODEL: tensor T: reason", one line, for every refusal above
     */
    public Range check(TensorProto proto) {
        DeclaredTensor declared = DeclaredTensor.of(proto, modelFile);
        String name = declared.name();
        if (declared.type() == DataType.STRING) {
            throw TensorProtos.invalid(modelFile, name, "string tensors cannot keep their data in an external file");
        }
        String location = null;
        String offsetText = null;
        String lengthText = null;
        for (StringStringEntryProto e : proto.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offsetText = e.getValue();
                case "length" -> lengthText = e.getValue();
                default -> { } // checksum and future keys are not needed to read
            }
        }
        String where = location;
        CheckedFile data = checked.computeIfAbsent(location, l -> {
            Path file = resolve(name, where);
            return new CheckedFile(file, regularFile(name, where, file).size());
        });
        long size = data.size();
        long offset = offsetText == null ? 0 : number(name, "offset", offsetText);
        long length = lengthText == null ? declared.bytes() : number(name, "length", lengthText);
        if (length != declared.bytes()) {
            throw TensorProtos.invalid(modelFile, name, "external data length " + length + ", but its "
                    + declared.type().displayName() + " shape " + declared.shapeText() + " needs " + declared.bytes() + " bytes");
        }
        // compared without adding, so that no offset can overflow past the check
        if (offset > size || length > size - offset) {
            throw TensorProtos.invalid(modelFile, name, "external data in " + location + " ends at byte "
                    + (length > Long.MAX_VALUE - offset ? "beyond 2^63" : Long.toString(offset + length))
                    + " but the file has " + size + " (truncated?)");
        }
        return new Range(data.file(), offset, length);
    }

    /**
     * The tensor's bytes, memory-mapped (the mapping outlives the channel; the OS pages it in on demand).
     * Opened without following links, so a link swapped in after {@link #check} is not followed either.
     */
    ByteBuffer read(TensorProto proto) {
        Range range = check(proto); // the caller has refused tensors over 2 GB, which one mapping cannot hold
        try (FileChannel ch = FileChannel.open(range.file(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, range.offset(), range.length()).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw TensorProtos.invalid(modelFile, proto.getName(), "cannot read external data " + range.file().getFileName()
                    + ": " + e.getMessage());
        }
    }

    /** The location as a path inside the folder, refusing absolute paths, {@code ..} and links below the folder. */
    private Path resolve(String name, String location) {
        if (location == null || location.isEmpty()) {
            throw TensorProtos.invalid(modelFile, name, "external, but names no location");
        }
        Path relative;
        try {
            relative = Path.of(location);
        } catch (InvalidPathException e) {
            throw TensorProtos.invalid(modelFile, name, "external data location '" + location + "' is not a valid path");
        }
        if (relative.isAbsolute()) {
            throw TensorProtos.invalid(modelFile, name, "external data location " + location
                    + " is absolute; it must be a file inside the model's folder");
        }
        if (location.endsWith("/") || location.endsWith("\\")) {
            // Java's Path drops the trailing separator, ONNX Runtime does not: the two would read different things
            throw TensorProtos.invalid(modelFile, name, "external data location " + location + " ends with a separator;"
                    + " it must name a file");
        }
        for (String part : location.split("[/\\\\]")) {
            if (part.equals("..")) {
                throw TensorProtos.invalid(modelFile, name, "external data location " + location
                        + " points outside the model's folder");
            }
        }
        Path file = folder.resolve(relative).normalize();
        // also what a rooted Windows location ("\\x", "C:x") resolves to
        if (!file.startsWith(folder) || file.equals(folder)) {
            throw TensorProtos.invalid(modelFile, name, "external data location " + location
                    + " points outside the model's folder");
        }
        // the folders between the model's folder and the file; the file itself is judged by its attributes
        for (Path p = file.getParent(); !p.equals(folder); p = p.getParent()) {
            if (Files.isSymbolicLink(p)) {
                throw TensorProtos.invalid(modelFile, name, "external data " + location + " is reached through a symbolic link ("
                        + folder.relativize(p) + "); NNCJ reads only files inside the model's folder");
            }
        }
        return file;
    }

    /** The file's attributes, read without following links or opening it; anything but a regular file is refused. */
    private BasicFileAttributes regularFile(String name, String location, Path file) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw TensorProtos.invalid(modelFile, name, "external data file " + location + " not found");
        } catch (IOException e) {
            throw TensorProtos.invalid(modelFile, name, "cannot read external data " + location + ": " + e.getMessage());
        }
        if (attributes.isSymbolicLink()) {
            throw TensorProtos.invalid(modelFile, name, "external data " + location
                    + " is a symbolic link; NNCJ reads only files inside the model's folder");
        }
        if (!attributes.isRegularFile()) {
            throw TensorProtos.invalid(modelFile, name, "external data " + location + " is not a regular file ("
                    + (attributes.isDirectory() ? "a directory" : "a FIFO, socket or device") + ")");
        }
        // the lexical checks above see every link below the folder; comparing real paths also catches one swapped
        // in meanwhile, and anything else that makes the file named not the file read
        try {
            Path real = file.toRealPath();
            if (!real.equals(folder.toRealPath().resolve(folder.relativize(file)))) {
                throw TensorProtos.invalid(modelFile, name, "external data " + location + " resolves to " + real
                        + ", not to the file of that name inside the model's folder");
            }
        } catch (IOException e) {
            throw TensorProtos.invalid(modelFile, name, "cannot read external data " + location + ": " + e.getMessage());
        }
        return attributes;
    }

    private long number(String name, String key, String text) {
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw TensorProtos.invalid(modelFile, name, "external data " + key + " '" + text + "' is not a whole number of bytes");
        }
        if (value < 0) {
            throw TensorProtos.invalid(modelFile, name, "external data " + key + " " + value + " is negative");
        }
        return value;
    }
}
