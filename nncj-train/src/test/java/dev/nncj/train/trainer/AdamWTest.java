package dev.nncj.train.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.nncj.train.execution.Parameter;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** AdamW's update against the paper's formulas, computed by hand in doubles, over two steps. */
class AdamWTest {
    @Test
    void twoStepsFollowTheFormulas() {
        double lr = 0.1;
        double decay = 0.05;
        double b1 = 0.9;
        double b2 = 0.99;
        double eps = 1e-8;
        TrainerOptions options = new TrainerOptions(lr, decay, b1, b2, eps, 0, 10, 0, 1);
        double[] w = {0.5, -1.0, 2.0};
        double[][] gradients = {{1.0, -2.0, 0.5}, {-0.5, 3.0, 0.25}};
        double[] m = new double[3];
        double[] v = new double[3];
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager();
                AdamW adam = new AdamW(manager, options)) {
            NDArray weight = manager.create(new float[] {0.5f, -1f, 2f});
            weight.setRequiresGradient(true);
            Parameter p = new Parameter("w", weight, true);
            for (int t = 1; t <= 2; t++) {
                double[] g = gradients[t - 1];
                ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) weight);
                try (NDManager step = manager.newSubManager()) {
                    NDArray x = step.create(new float[] {(float) g[0], (float) g[1], (float) g[2]});
                    try (GradientCollector c = Engine.getEngine("PyTorch").newGradientCollector()) {
                        c.backward(weight.mul(x).sum()); // d/dw sum(w * x) = x
                    }
                }
                adam.update(List.of(p), lr);
                for (int i = 0; i < 3; i++) {
                    m[i] = b1 * m[i] + (1 - b1) * g[i];
                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                    double mHat = m[i] / (1 - Math.pow(b1, t));
                    double vHat = v[i] / (1 - Math.pow(b2, t));
                    w[i] = w[i] - lr * decay * w[i] - lr * mHat / (Math.sqrt(vHat) + eps);
                }
                float[] got = weight.toFloatArray();
                for (int i = 0; i < 3; i++) {
                    assertThat((double) got[i]).as("w[%d] after step %d", i, t).isCloseTo(w[i], Offset.offset(1e-6));
                }
            }
        }
    }
}
