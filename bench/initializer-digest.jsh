// SHA-256 over a model's initializers only (bench/results/2026-12-02-kill-resume.md): two runs' outputs differ in their
// provenance time, so the files' own digests differ even when every weight is the same bit for bit.
// Per model, in name order: name, element type, dims and raw bytes of every initializer.
// Usage: CP=nncj-cli/target/nncj-cli.jar:$(ls nncj-cli/target/lib/*.jar | tr "\n" :)
//        jshell -R-Dmodels=A.onnx,B.onnx --class-path "$CP" bench/initializer-digest.jsh
import dev.nncj.onnx.*;
import java.security.MessageDigest;
for (String file : System.getProperty("models").split(",")) {
  var m = OnnxFiles.load(java.nio.file.Path.of(file));
  var digest = MessageDigest.getInstance("SHA-256");
  long bytes = 0;
  for (var t : new java.util.TreeMap<>(m.graph().initializers()).values()) {
    digest.update((t.name() + "|" + t.type() + "|" + java.util.Arrays.toString(t.shape()) + "|").getBytes());
    var raw = t.rawData();
    bytes += raw.remaining();
    digest.update(raw.duplicate());
  }
  System.out.printf("%s  %d initializers, %d bytes  %s%n", java.util.HexFormat.of().formatHex(digest.digest()),
      m.graph().initializers().size(), bytes, file);
}
/exit
