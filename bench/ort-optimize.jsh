// Saves a model as ONNX Runtime's own graph optimizer leaves it (bench/results/2026-12-02-ort-optimized.md):
// the session's optimized graph, written by SessionOptions.setOptimizedModelFilePath at the given level.
// EXTENDED is the highest level whose saved model stays portable (no layout or hardware-specific rewrites);
// symbolic dims stay symbolic unless fixed with -Ddims=batch=1,sequence=128 (then the file fits that shape only).
// Usage: CP=nncj-cli/target/nncj-cli.jar:$(ls nncj-cli/target/lib/*.jar | tr "\n" :)
//        jshell -R-Din=model.onnx -R-Dout=model-ort.onnx -R-Dlevel=EXTENDED_OPT --class-path "$CP" bench/ort-optimize.jsh
import ai.onnxruntime.*;
var level = OrtSession.SessionOptions.OptLevel.valueOf(System.getProperty("level", "EXTENDED_OPT"));
try (var options = new OrtSession.SessionOptions()) {
  options.setOptimizationLevel(level);
  for (String d : System.getProperty("dims", "").split(",")) {
    if (!d.isEmpty()) {
      options.setSymbolicDimensionValue(d.split("=")[0], Long.parseLong(d.split("=")[1]));
    }
  }
  options.setOptimizedModelFilePath(System.getProperty("out"));
  OrtEnvironment.getEnvironment().createSession(System.getProperty("in"), options).close();
}
var ops = new java.util.TreeMap<String, Integer>();
var saved = dev.nncj.onnx.OnnxFiles.load(java.nio.file.Path.of(System.getProperty("out")));
saved.graph().nodes().forEach(n -> ops.merge(n.opType(), 1, Integer::sum));
System.out.println(System.getProperty("out") + " (" + level + "): " + ops);
/exit
