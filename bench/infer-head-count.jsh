// Rewrites a PyTorch BERT export into the form transformers 5.x writes (bench/results/2026-12-02-today-exports.md):
// every head split Reshape(x, Concat(B, S, [heads], [d])) gets the target Concat(B, S, [-1], [d]) (view(*input_shape,
// -1, head_dim)), and every head merge Reshape(ctx, Concat(B, S, [heads * d])) gets Concat(B, S, [-1]). Nothing else
// changes: same weights, same function; only the head count is left for the Reshape to infer.
// Usage: CP=nncj-cli/target/nncj-cli.jar:$(ls nncj-cli/target/lib/*.jar | tr "\n" :)
//        jshell -R-Din=A.onnx -R-Dout=B.onnx --class-path "$CP" bench/infer-head-count.jsh
import dev.nncj.onnx.*;
var model = OnnxFiles.load(java.nio.file.Path.of(System.getProperty("in")));
var g = model.graph();
g.addInitializer(Tensor.ofLongs("inferred_dim", new long[] {1}, -1));
int splits = 0, merges = 0;
for (var r : g.nodes()) {
  if (!r.is("Reshape")) continue;
  var concat = g.producer(r.input(1)).filter(c -> c.is("Concat")).orElse(null);
  if (concat == null) continue;
  int n = concat.inputs().size();
  var last = g.constantValue(concat.input(n - 1));
  if (n == 4 && last.isPresent() && g.constantValue(concat.input(2)).isPresent()) {
    concat.setInput(2, "inferred_dim");
    splits++;
  } else if (n == 3 && last.isPresent()) {
    concat.setInput(2, "inferred_dim");
    merges++;
  }
}
OnnxFiles.save(model, java.nio.file.Path.of(System.getProperty("out")));
System.out.printf("%d head splits now [B, S, -1, d], %d head merges now [B, S, -1]%n", splits, merges);
/exit
