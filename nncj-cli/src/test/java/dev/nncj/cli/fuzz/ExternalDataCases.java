package dev.nncj.cli.fuzz;

import static dev.nncj.cli.fuzz.ProtoEdits.pick;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Models with one tensor in an external-data file that is anywhere but a regular file inside the
 * model's folder, or a range of it that is not inside the file. Escapes go to a secret file outside
 * the case folder carrying a marker, so a leak shows in whatever nncj prints or writes.
 */
final class ExternalDataCases {
    private ExternalDataCases() {}

    /** The case's model with tensor {@code tensor} moved to external data as given. */
    private record Setup(BaseModel base, ModelProto proto, int tensor) {
        TensorProto t() {
            return proto.getGraph().getInitializer(tensor);
        }

        int bytes() {
            return t().getRawData().size();
        }

        byte[] with(String location, String offset, String length) {
            GraphProto.Builder g = proto.getGraph().toBuilder();
            g.setInitializer(tensor, ProtoEdits.external(t(), location, offset, length));
            return proto.toBuilder().setGraph(g).build().toByteArray();
        }
    }

    /** A random base and one of its float tensors of 16 bytes or more (a whole marker fits). */
    private static Setup setup(CaseContext c) {
        BaseModel base = c.base();
        ModelProto proto = base.proto();
        return new Setup(base, proto, pick(c.random, ProtoEdits.floatInitializers(proto.getGraph(), 4)));
    }

    /** The tensor's true bytes at offset 0 of dir/weights.bin, padded to 4 KB. */
    private static Path weights(CaseContext c, Setup s) {
        return c.write("weights.bin", Arrays.copyOf(s.t().getRawData().toByteArray(), Math.max(4096, s.bytes())));
    }

    /** Valid external data: a control. */
    static FuzzCase valid(CaseContext c) {
        Setup s = setup(c);
        weights(c, s);
        CliCommand cmd = c.command(s.base, c.writeModel(s.base, s.with("weights.bin", "0", Integer.toString(s.bytes()))));
        return c.done(s.base + " model, " + s.t().getName() + " in weights.bin (valid)", Expectation.SUCCEED, cmd);
    }

    /** ../ and absolute locations of the secret. */
    static FuzzCase escape(CaseContext c) {
        Setup s = setup(c);
        Path secret = c.secret(4096);
        String relative = c.dir().relativize(secret).toString();
        String location = pick(c.random, relative, secret.toString(), "out/../" + relative, "./" + relative, "/dev/zero");
        c.mayName(Path.of(location).getFileName().toString());
        CliCommand cmd = c.command(s.base, c.writeModel(s.base, s.with(location, "0", Integer.toString(s.bytes()))));
        return c.done(s.base + " model, " + s.t().getName() + " at location " + location, Expectation.REJECT, cmd);
    }

    /**
     * A symbolic link in the folder: to the secret (absolute or relative target), a linked directory,
     * a chain through a second link. A link to a file inside the folder reads nothing outside, so the
     * case allows success there (ONNX's own loader refuses it; NNCJ may too).
     */
    static FuzzCase symlink(CaseContext c) {
        Setup s = setup(c);
        Path secret = c.secret(4096);
        String variant = pick(c.random, "to secret", "relative to secret", "linked directory", "chain", "inside");
        String location = "link.bin";
        try {
            switch (variant) {
                case "to secret" -> Files.createSymbolicLink(c.dir().resolve("link.bin"), secret);
                case "relative to secret" -> Files.createSymbolicLink(c.dir().resolve("link.bin"), c.dir().relativize(secret));
                case "linked directory" -> {
                    Files.createSymbolicLink(c.dir().resolve("linked"), secret.getParent());
                    location = "linked/secret.bin";
                }
                case "chain" -> {
                    Files.createSymbolicLink(c.dir().resolve("hop.bin"), secret);
                    Files.createSymbolicLink(c.dir().resolve("link.bin"), Path.of("hop.bin"));
                    c.mayName("hop.bin");
                }
                default -> {
                    weights(c, s);
                    Files.createSymbolicLink(c.dir().resolve("link.bin"), Path.of("weights.bin"));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        c.mayName(Path.of(location).getFileName().toString());
        c.mayName("linked");
        CliCommand cmd = c.command(s.base, c.writeModel(s.base, s.with(location, "0", Integer.toString(s.bytes()))));
        return c.done(s.base + " model, " + s.t().getName() + " at " + location + " (symlink, " + variant + ")",
                variant.equals("inside") ? Expectation.MAY_SUCCEED : Expectation.REJECT, cmd);
    }

    /** A FIFO (reading it blocks forever) or a directory named as the data file. */
    static FuzzCase special(CaseContext c) {
        Setup s = setup(c);
        boolean fifo = c.random.nextBoolean();
        String location = fifo ? "pipe.bin" : "datadir";
        try {
            if (fifo) {
                mkfifo(c.dir().resolve(location));
            } else {
                Files.createDirectory(c.dir().resolve(location));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        c.mayName(location);
        CliCommand cmd = c.command(s.base, c.writeModel(s.base, s.with(location, "0", Integer.toString(s.bytes()))));
        return c.done(s.base + " model, " + s.t().getName() + " in " + location + (fifo ? " (a FIFO)" : " (a directory)"),
                Expectation.REJECT, cmd);
    }

    static void mkfifo(Path path) throws IOException {
        try {
            Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
            if (p.waitFor() != 0) {
                throw new IOException("mkfifo " + path + " failed: " + new String(p.getInputStream().readAllBytes()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Offsets and lengths that are negative, not numbers, overflowing, past the end or not the tensor's size. */
    static FuzzCase range(CaseContext c) {
        Setup s = setup(c);
        weights(c, s);
        String size = Integer.toString(s.bytes());
        String[] range = pick(c.random,
                new String[] {"-1", size}, new String[] {"-4096", size}, new String[] {"9223372036854775807", size},
                new String[] {"abc", size}, new String[] {"", size}, new String[] {"1e3", size}, new String[] {"0x10", size},
                new String[] {"12.5", size}, new String[] {" 0", size}, new String[] {"8192", size},
                new String[] {"9223372036854775800", "64"},
                new String[] {"0", "-1"}, new String[] {"0", "-64"}, new String[] {"0", "0"},
                new String[] {"0", Integer.toString(s.bytes() - 4)}, new String[] {"0", Integer.toString(s.bytes() + 4)},
                new String[] {"0", "99999999999999"}, new String[] {"0", "9223372036854775807"}, new String[] {"0", "abc"},
                new String[] {"0", ""}, new String[] {"0", null});
        CliCommand cmd = c.command(s.base, c.writeModel(s.base, s.with("weights.bin", range[0], range[1])));
        return c.done(s.base + " model, " + s.t().getName() + " (" + s.bytes() + " bytes) in weights.bin (4096 bytes) at offset '"
                + range[0] + "' length " + (range[1] == null ? "absent" : "'" + range[1] + "'"), Expectation.REJECT, cmd);
    }

    /** The location names nothing: missing file, no location key, an empty name, the folder itself. */
    static FuzzCase missing(CaseContext c) {
        Setup s = setup(c);
        String location = pick(c.random, "nope.bin", null, "", ".", "weights.bin/", "out");
        if ("weights.bin/".equals(location)) {
            weights(c, s);
        }
        if (location != null && !location.isEmpty()) {
            // "." is the model's folder: an error naming that folder names the "file" at fault
            c.mayName(location.equals(".") ? c.dir().getFileName().toString() : Path.of(location).getFileName().toString());
        }
        CliCommand cmd = c.command(s.base, c.writeModel(s.base, s.with(location, "0", Integer.toString(s.bytes()))));
        return c.done(s.base + " model, " + s.t().getName() + " external at " + (location == null ? "no location" : "'" + location + "'"),
                Expectation.REJECT, cmd);
    }
}
