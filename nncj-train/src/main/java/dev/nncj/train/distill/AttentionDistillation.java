package dev.nncj.train.distill;

import ai.djl.ndarray.NDArray;
import dev.nncj.NncjException;
import java.util.Map;

/**
 * Attention transfer (MiniLM, Wang et al. 2020, eq. 4; TinyBERT's attention loss with KL): each
 * query's attention distribution over the keys, teacher A_t against student A_s, per head,
 * <pre>
 * KL(A_t || A_s) = sum_k A_t[k] (log A_t[k] - log A_s[k])
 * </pre>
 * averaged over the real (unpadded) query positions, the heads and the mapped layer pairs. Padded
 * keys get probability 0 on both sides (the additive mask), so the logs are floored at 1e-12 and
 * those terms vanish instead of becoming 0 * log 0 = NaN. Mapped layers must have equal head counts.
 */
final class AttentionDistillation {
    private static final float FLOOR = 1e-12f;

    private AttentionDistillation() {}

    /**
     * @param pairs student attention value to teacher attention value, each [batch, heads, seq, seq]
     * @param mask the batch's attention mask [batch, seq] (1 real, 0 padding), or null: every query counts
     */
    static NDArray loss(Map<String, String> pairs, Map<String, NDArray> student, Map<String, NDArray> teacher,
            NDArray mask) {
        NDArray total = null;
        for (Map.Entry<String, String> pair : pairs.entrySet()) {
            NDArray s = student.get(pair.getKey());
            NDArray t = teacher.get(pair.getValue());
            if (s == null || t == null) {
                throw new NncjException("no attention value " + (s == null ? pair.getKey() : pair.getValue()));
            }
            if (!s.getShape().equals(t.getShape())) {
                throw new NncjException("student attention " + s.getShape() + " and teacher attention " + t.getShape()
                        + " cannot be compared: attention distillation needs equal head counts");
            }
            NDArray rows = t.mul(t.maximum(FLOOR).log().sub(s.maximum(FLOOR).log())).sum(new int[] {-1});
            NDArray kl;
            if (mask == null) {
                kl = rows.mean();
            } else {
                // [batch, seq] -> [batch, 1, seq]: the same query mask for every head
                NDArray m = mask.toType(rows.getDataType(), false).expandDims(1);
                NDArray weight = m.sum().mul((float) rows.getShape().get(1));
                kl = rows.mul(m).sum().div(weight);
            }
            total = total == null ? kl : total.add(kl);
        }
        return total.div((float) pairs.size());
    }
}
