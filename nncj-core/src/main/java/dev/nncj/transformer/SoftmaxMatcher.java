package dev.nncj.transformer;

import dev.nncj.onnx.Node;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Matches the attention softmax over the key axis reading scores s, and the NaN guard the
 * dynamo exporter writes after it:
 * <pre>
 * Softmax(s, axis -1)                                            (one op)
 * e = Exp(s - ReduceMax(s)); e / ReduceSum(e)   (or Exp(s))     (decomposed, keepdims, last axis)
 * Where(IsNaN(p), 0, p)                                          (optional guard: rows masked entirely)
 * </pre>
 * The guard only changes a row whose every key is masked with -inf (a sequence of padding only);
 * the emitter's finite mask gives such a row uniform weights instead of zeros.
 */
final class SoftmaxMatcher {
    /** @param output the probabilities (after the guard, if any); @param last the node writing them */
    record Matched(String output, Node last) {}

    private final GraphView g;

    SoftmaxMatcher(GraphView g) {
        this.g = g;
    }

    /** True when s is read by a softmax in either form. */
    boolean startsAt(String s) {
        List<Node> users = g.users(s);
        return users.size() == 1 && (users.get(0).is("Softmax") || users.get(0).is("Exp"))
                || users.size() == 2 && users.stream().anyMatch(n -> n.is("ReduceMax"));
    }

    Matched match(String s, String where) {
        List<Node> users = g.users(s);
        String probabilities;
        Node last;
        if (users.size() == 1 && users.get(0).is("Softmax")) {
            last = users.get(0);
            long axis = last.intAttribute("axis", -1);
            if (axis != -1 && axis != 3) {
                throw new PatternMismatch(where + "attention: Softmax '" + last.name() + "' is over axis " + axis
                        + ", not the key axis");
            }
            g.recognized("softmax", "Softmax op");
        } else {
            last = decomposed(s, users, where);
            g.recognized("softmax", "decomposed (Exp, ReduceSum, Div)");
        }
        probabilities = last.output(0);
        Optional<Node> guard = nanGuard(probabilities);
        if (guard.isPresent()) {
            g.recognized("softmax", "NaN guard Where(IsNaN(p), 0, p)");
            return new Matched(guard.get().output(0), guard.get());
        }
        return new Matched(probabilities, last);
    }

    /** Exp(s - ReduceMax(s)) (or Exp(s)), divided by its ReduceSum: returns the Div. */
    private Node decomposed(String s, List<Node> users, String where) {
        String shifted = s;
        Optional<Node> max = users.stream().filter(n -> n.is("ReduceMax")).findFirst();
        if (max.isPresent()) {
            requireKeyAxis(max.get(), where);
            Optional<Node> sub = users.stream().filter(n -> n.is("Sub") && n.input(0).equals(s)
                    && n.input(1).equals(max.get().output(0))).findFirst();
            if (sub.isEmpty()) {
                throw new PatternMismatch(where + "attention: expected Sub of the row maximum after ReduceMax '"
                        + max.get().name() + "', found " + GraphView.opsOf(users));
            }
            shifted = sub.get().output(0);
        }
        Node exp = g.onlyUser(shifted, "Exp", where + "attention softmax");
        List<Node> expUsers = g.users(exp.output(0));
        Optional<Node> sum = expUsers.stream().filter(n -> n.is("ReduceSum")).findFirst();
        Optional<Node> div = expUsers.stream().filter(n -> n.is("Div") && n.input(0).equals(exp.output(0))).findFirst();
        if (expUsers.size() != 2 || sum.isEmpty() || div.isEmpty() || !div.get().input(1).equals(sum.get().output(0))) {
            throw new PatternMismatch(where + "attention: expected Exp / ReduceSum(Exp) after Exp '" + exp.name()
                    + "', found " + GraphView.opsOf(expUsers));
        }
        requireKeyAxis(sum.get(), where);
        return div.get();
    }

    /** Where(IsNaN(p), 0, p) reading p, when p has exactly those two users. */
    private Optional<Node> nanGuard(String p) {
        List<Node> users = g.users(p);
        Optional<Node> isNan = users.stream().filter(n -> n.is("IsNaN")).findFirst();
        if (users.size() != 2 || isNan.isEmpty()) {
            return Optional.empty();
        }
        return users.stream().filter(n -> n.is("Where") && n.input(0).equals(isNan.get().output(0))
                && g.scalar(n.input(1)).filter(z -> z == 0f).isPresent() && n.input(2).equals(p)).findFirst();
    }

    /** ReduceMax/ReduceSum over the key axis only ([-1] or [3]), keeping it. */
    private void requireKeyAxis(Node reduce, String where) {
        List<Long> axes = reduce.intsAttribute("axes");
        if (axes.isEmpty() && reduce.inputs().size() > 1 && !reduce.input(1).isEmpty()) {
            axes = g.constant(reduce.input(1)).map(t -> Arrays.stream(t.toLongs()).boxed().toList()).orElse(List.of());
        }
        if (!axes.equals(List.of(-1L)) && !axes.equals(List.of(3L)) || reduce.intAttribute("keepdims", 1) != 1) {
            throw new PatternMismatch(where + "attention: softmax " + reduce.opType() + " '" + reduce.name()
                    + "' reduces axes " + axes + ", not the key axis with keepdims");
        }
    }
}
