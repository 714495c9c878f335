package dev.nncj.train.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.nncj.train.execution.Parameter;
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

    /** One update of every parameter from its current gradient at learning rate {@code lr} (times its own scale). */
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
                // in-place wherever the math allows: four full-size temporaries per parameter, not seven
                mv[0].muli(options.beta1()).addi(g.mul(1 - options.beta1()));
                mv[1].muli(options.beta2()).addi(g.square().muli(1 - options.beta2()));
                double rate = lr * p.learningRateScale();
                if (options.weightDecay() > 0 && p.decays()) {
                    w.muli(1 - rate * options.weightDecay()); // w -= lr * decay * w
                }
                // step = (m / c1) / (sqrt(v / c2) + eps), with sqrt(v / c2) = sqrt(v) / sqrt(c2)
                NDArray denominator = mv[1].sqrt().divi(Math.sqrt(correction2)).addi(options.epsilon());
                w.subi(mv[0].div(denominator).muli(rate / correction1));
            }
        }
    }

    /** Steps taken: the t of the bias corrections. */
    int steps() {
        return t;
    }

    /** The moments, named "m:PARAMETER" and "v:PARAMETER" (views, valid until the next update). */
    NDList state() {
        NDList out = new NDList();
        moments.forEach((p, mv) -> {
            mv[0].setName("m:" + p.name());
            mv[1].setName("v:" + p.name());
            out.add(mv[0]);
            out.add(mv[1]);
        });
        return out;
    }

    /** Takes over moments saved by {@link #state()} for the parameters of the same names. */
    void restore(List<Parameter> parameters, NDList saved, int steps) {
        moments.values().forEach(mv -> {
            mv[0].close();
            mv[1].close();
        });
        moments.clear();
        for (Parameter p : parameters) {
            NDArray m = saved.get("m:" + p.name());
            NDArray v = saved.get("v:" + p.name());
            if (m == null || v == null) {
                if (steps > 0) {
                    throw new IllegalArgumentException("no optimizer state for parameter " + p.name());
                }
                continue;
            }
            m.attach(manager);
            v.attach(manager);
            moments.put(p, new NDArray[] {m, v});
        }
        t = steps;
    }

    @Override
    public void close() {
        manager.close();
    }
}
