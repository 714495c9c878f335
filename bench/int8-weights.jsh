// Rewrites a model's symmetric uint8 MatMulIntegerToFloat weights (zero point 128) as int8 (zero point 0): the same
// levels (bench/results/2026-12-03-int8-avx2.md, the 'isolated' figure). With -Rbits=7, 7-bit codes instead (scale x2).
// Usage: CP=nncj-cli/target/nncj-cli.jar:$(ls nncj-cli/target/lib/*.jar | tr "\n" :)
//        jshell -R-Din=A.onnx -R-Dout=B.onnx [-R-Dbits=7] --class-path "$CP" bench/int8-weights.jsh
import dev.nncj.onnx.*;
var m = OnnxFiles.load(java.nio.file.Path.of(System.getProperty("in")));
var g = m.graph();
boolean seven = "7".equals(System.getProperty("bits"));
int n = 0;
for (var node : g.nodes()) {
  if (!node.opType().equals("MatMulIntegerToFloat")) continue;
  var w = g.initializers().get(node.input(1));
  var zp = g.initializers().get(node.input(5));
  if (w == null || zp == null || w.type() != DataType.UINT8) continue;
  long[] z = zp.toLongs();
  boolean sym = true; for (long v : z) sym &= v == 128;
  if (!sym) continue;
  long[] q = w.toLongs();
  for (int i = 0; i < q.length; i++) q[i] = seven ? Math.round((q[i] - 128) / 2.0) : q[i] - 128;
  g.replaceInitializer(Tensor.encodeLongs(w.name(), DataType.INT8, w.shape(), q));
  long[] z0 = new long[z.length];
  g.replaceInitializer(Tensor.encodeLongs(zp.name(), DataType.INT8, zp.shape(), z0)); var sc = g.initializers().get(node.input(3)); float[] f = sc.toFloats(); for (int i = 0; i < f.length; i++) f[i] *= seven ? 2 : 1; g.replaceInitializer(Tensor.ofFloats(sc.name(), sc.shape(), f));
  n++;
}
OnnxFiles.save(m, java.nio.file.Path.of(System.getProperty("out")));
System.out.println(n + " weights rewritten");
/exit
