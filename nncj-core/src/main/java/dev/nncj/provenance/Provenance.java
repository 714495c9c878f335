package dev.nncj.provenance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nncj.NncjException;
import dev.nncj.NncjVersion;
import dev.nncj.onnx.OnnxModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;

/**
 * Records in a model's metadata_props how NNCJ made it, so any file NNCJ writes can be traced back
 * (Tribuo's provenance idea): {@code nncj.version}, {@code nncj.source_sha256} (the very first input
 * of the chain, kept through later steps) and {@code nncj.steps}, a JSON array with one object per
 * step: its name, options, the SHA-256 of that step's input, and the time.
 */
public final class Provenance {
    public static final String VERSION = "nncj.version";
    public static final String SOURCE_SHA256 = "nncj.source_sha256";
    public static final String STEPS = "nncj.steps";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Provenance() {}

    /**
     * Appends a step. {@code options} should hold everything needed to repeat it (mode, flags,
     * data files, seed); values are serialized with Jackson.
     */
    public static void record(OnnxModel model, Path input, String step, Map<String, ?> options) {
        String inputSha = sha256(input);
        model.putMetadata(VERSION, version());
        if (!model.metadata().containsKey(SOURCE_SHA256)) {
            model.putMetadata(SOURCE_SHA256, inputSha);
        }
        try {
            ArrayNode steps = model.metadata().containsKey(STEPS)
                    ? (ArrayNode) JSON.readTree(model.metadata().get(STEPS))
                    : JSON.createArrayNode();
            ObjectNode entry = steps.addObject();
            entry.put("step", step);
            entry.set("options", JSON.valueToTree(options));
            entry.put("input", input.getFileName().toString());
            entry.put("input_sha256", inputSha);
            entry.put("time", Instant.now().toString());
            model.putMetadata(STEPS, JSON.writeValueAsString(steps));
        } catch (JsonProcessingException | ClassCastException e) {
            throw new NncjException(input + ": its " + STEPS + " metadata is not a JSON array of steps");
        }
    }

    /** The NNCJ version the build stamped ({@link NncjVersion}). */
    public static String version() {
        return NncjVersion.current();
    }

    /** The SHA-256 of {@code text}'s UTF-8 bytes, in hex. */
    public static String sha256Text(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot read: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
