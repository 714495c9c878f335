package dev.nncj.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", 2019, Algorithm 2):
 * <pre>
 * m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
 * w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)  +  lr * decay * w
 * </pre>
 * The moments live in the optimizer's own manager, freed by {@link #close()}. Updates are in-place
 * on the parameters and run outside any gradient collector, so autograd does not record them.
 */
final class AdamW implements AutoCloseable {
    private final TrainerOptions options;
    private final NDManager manager;
    private final Map<Parameter, NDArray[]> moments = new HashMap<>();
    private int t;

    AdamW(NDManager parent, TrainerOptions options) {
        this.options = options;
        this.manager = parent.newSubManager();
    }

    /** One update of every parameter from its current gradient at learning rate {@code lr}. */
    void update(List<Parameter> parameters, double lr) {
        t++;
        double correction1 = 1 - Math.pow(options.beta1(), t);
        double correction2 = 1 - Math.pow(options.beta2(), t);
        // every temporary of the update (gradient handles, products) is freed when the scope closes
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (Parameter p : parameters) {
                NDArray w = p.array();
                NDArray g = w.getGradient();
                NDArray[] mv = moments.computeIfAbsent(p, k -> {
                    NDArray m = manager.zeros(w.getShape(), w.getDataType());
                    NDArray v = manager.zeros(w.getShape(), w.getDataType());
                    NDScope.unregister(m, v);
                    return new NDArray[] {m, v};
                });
                mv[0].muli(options.beta1()).addi(g.mul(1 - options.beta1()));
                mv[1].muli(options.beta2()).addi(g.square().muli(1 - options.beta2()));
                if (options.weightDecay() > 0) {
                    w.subi(w.mul(lr * options.weightDecay()));
                }
                NDArray denominator = mv[1].div(correction2).sqrt().addi(options.epsilon());
                w.subi(mv[0].div(denominator).muli(lr / correction1));
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
