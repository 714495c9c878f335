// The neighbours --augment draws from, and a few rewritten sentences, for a teacher and its training text.
// Run from a built checkout (mvn -q install -DskipTests), with the classifier, its tokenizer and the data in W:
//   W=/work/w jshell --class-path "$(ls nncj-cli/target/lib/*.jar nncj-cli/target/nncj-cli.jar | tr '\n' ':')" \
//     bench/word-neighbours.jsh
import dev.nncj.data.*;
import dev.nncj.transformer.*;
import dev.nncj.onnx.*;
import java.nio.file.*;
String w = System.getenv("W");
var model = OnnxFiles.load(Path.of(w, "clf.onnx"));
var enc = EncoderLifter.lift(model, Path.of(w, "clf.onnx"));
var tok = TextTokenizer.load(Path.of(w, "tokenizer.json"));
var data = TextClassificationDataset.load(Path.of(w, "train-clean.tsv"));
var table = enc.embeddings().word();
long t0 = System.nanoTime();
var sub = WordSubstitution.fromEmbeddings(tok.vocabulary(), table.toFloats(), (int) table.dim(1), data.texts());
System.out.println("words " + sub.replaceableWords() + " in " + (System.nanoTime() - t0) / 1e9 + " s");
for (String s : new String[] {"good", "bad", "movie", "boring", "funny", "not", "the", "masterpiece", "dull"}) {
    System.out.println(s + " -> " + sub.substitutesOf(s));
}
var r = new java.util.Random(1);
for (int i = 0; i < 5; i++) {
    System.out.println(data.texts().get(i) + "  ==>  " + sub.variants(data.texts().get(i), 3, r));
}
/exit
