// Position cost of a .nncj model's pruning masks (bench/results/2026-11-28-pruning-criterion.md): the bits an ideal coder
// needs for the zero/non-zero pattern of each clustered weight, with one density per tensor and with one per input row.
// Usage: nncj unpack M.nncj -o M.onnx; CP=nncj-cli/target/nncj-cli.jar:$(ls nncj-cli/target/lib/*.jar | tr "\n" :)
//        jshell -R-Dmodel=M.onnx --class-path "$CP" bench/mask-entropy.jsh
import dev.nncj.onnx.*;
var m = OnnxFiles.load(java.nio.file.Path.of(System.getProperty("model")));
double iid = 0, rows = 0; long nz = 0, n = 0;
for (var e : m.graph().initializers().entrySet()) {
  if (!e.getKey().endsWith(".indices")) continue;
  var t = e.getValue(); int r = (int) t.dim(0), c = (int) t.dim(1);
  java.nio.ByteBuffer b = t.rawData();
  long tnz = 0; long[] rnz = new long[r];
  for (int i = 0; i < r * c; i++) if (b.get(b.position() + i) != 0) { tnz++; rnz[i / c]++; }
  java.util.function.DoubleUnaryOperator H = p -> p <= 0 || p >= 1 ? 0 : -(p * Math.log(p) + (1 - p) * Math.log(1 - p)) / Math.log(2);
  iid += (double) r * c * H.applyAsDouble((double) tnz / (r * c));
  for (int i = 0; i < r; i++) rows += c * H.applyAsDouble((double) rnz[i] / c);
  nz += tnz; n += (long) r * c;
  System.out.println(e.getKey() + " " + r + "x" + c + " nonzeros " + tnz);
}
System.out.printf("non-zeros %d of %d; positions: one density per tensor %.0f bits, one per input row %.0f bits (%.1f%% less)%n", nz, n, iid, rows, 100 * (1 - rows / iid));
/exit
