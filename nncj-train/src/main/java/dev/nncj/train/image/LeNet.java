package dev.nncj.train.image;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.util.Locale;
import java.util.Random;

/**
 * The two networks of Deep Compression's MNIST rows (Han et al. 2016, Table 2/3), built untrained
 * as ONNX graphs with He-normal weights and zero biases: one float input {@code pixels} (values in
 * [0, 1]) and one output {@code logits} [N, 10].
 */
public enum LeNet {
    /** 784-300-100-10 fully connected, ReLU: 266,610 parameters. Input [N, 784]. */
    LENET_300_100,
    /**
     * Caffe's LeNet-5 as Deep Compression uses it: conv 5x5x20, max-pool 2, conv 5x5x50, max-pool 2,
     * fc 800-500, ReLU, fc 500-10: 431,080 parameters. Input [N, 1, 28, 28].
     */
    LENET_5;

    public static final String INPUT = "pixels";
    public static final String OUTPUT = "logits";

    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static LeNet parse(String text) {
        for (LeNet a : values()) {
            if (a.cliName().equals(text)) {
                return a;
            }
        }
        throw new dev.nncj.OptionException(dev.nncj.OptionName.of("arch"), " must be lenet-300-100 or lenet-5, not '" + text + "'");
    }

    /** Whether the input is [N, 1, H, W] (else [N, H*W]). */
    public boolean takesImages() {
        return this == LENET_5;
    }

    public OnnxModel build(long seed) {
        Random random = new Random(seed);
        GraphBuilder b = new GraphBuilder(cliName(), 17);
        String x;
        if (this == LENET_300_100) {
            x = b.input(INPUT, DataType.FLOAT, "batch", 784);
            x = b.op("Relu", dense(b, random, "fc1", x, 784, 300));
            x = b.op("Relu", dense(b, random, "fc2", x, 300, 100));
            x = dense(b, random, "fc3", x, 100, 10);
        } else {
            x = b.input(INPUT, DataType.FLOAT, "batch", 1, 28, 28);
            x = pool(b, conv(b, random, "conv1", x, 1, 20));
            x = pool(b, conv(b, random, "conv2", x, 20, 50));
            Node flatten = b.node("Flatten", x);
            flatten.set("axis", 1L);
            x = b.op("Relu", dense(b, random, "fc1", flatten.output(0), 800, 500));
            x = dense(b, random, "fc2", x, 500, 10);
        }
        b.output(x, OUTPUT, DataType.FLOAT, "batch", 10);
        return b.build();
    }

    private static String dense(GraphBuilder b, Random random, String name, String x, int in, int out) {
        String w = b.initializer(Tensor.ofFloats(name + ".weight", new long[] {in, out}, he(random, in * out, in)));
        String bias = b.initializer(Tensor.ofFloats(name + ".bias", new long[] {out}, new float[out]));
        return b.op("Add", b.op("MatMul", x, w), bias);
    }

    private static String conv(GraphBuilder b, Random random, String name, String x, int in, int out) {
        String w = b.initializer(Tensor.ofFloats(name + ".weight", new long[] {out, in, 5, 5}, he(random, out * in * 25, in * 25)));
        String bias = b.initializer(Tensor.ofFloats(name + ".bias", new long[] {out}, new float[out]));
        Node conv = b.node("Conv", x, w, bias);
        conv.set("kernel_shape", new long[] {5, 5});
        return conv.output(0);
    }

    private static String pool(GraphBuilder b, String x) {
        Node pool = b.node("MaxPool", x);
        pool.set("kernel_shape", new long[] {2, 2});
        pool.set("strides", new long[] {2, 2});
        return pool.output(0);
    }

    /** He et al. 2015: N(0, 2 / fanIn), right for ReLU layers. */
    private static float[] he(Random random, int n, int fanIn) {
        float[] w = new float[n];
        double std = Math.sqrt(2.0 / fanIn);
        for (int i = 0; i < n; i++) {
            w[i] = (float) (random.nextGaussian() * std);
        }
        return w;
    }
}
