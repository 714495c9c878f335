package dev.nncj.sparsity;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Which weights a sparsification zeroes. */
public sealed interface PruningPattern {
    /** Where the magnitude threshold is computed. */
    enum Scope {
        /** One threshold over all selected weights: layers with small weights lose more. */
        GLOBAL,
        /** Each weight tensor loses exactly the same fraction. */
        PER_LAYER
    }

    /**
     * Magnitude pruning (Han et al. 2015): the {@code floor(sparsity * n)} weights of smallest
     * |w| become zero, n counted over all selected weights (global) or per tensor (per layer).
     */
    record Magnitude(double sparsity, Scope scope) implements PruningPattern {
        public Magnitude {
            checkSparsity(sparsity);
        }

        @Override
        public String toString() {
            return sparsity + " " + scope.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * N:M semi-structured sparsity as NVIDIA's sparse tensor cores (Ampere and later) and
     * cuSPARSELt use it: in every group of M consecutive weights along the reduction (input)
     * axis, the N of largest magnitude are kept and the other M - N become zero. 2:4 keeps half.
     */
    record NofM(int n, int m) implements PruningPattern {
        public NofM {
            if (m < 2 || n < 1 || n >= m) {
                throw new IllegalArgumentException("N:M needs 1 <= N < M, got " + n + ":" + m);
            }
        }

        /** Parses "2:4". */
        public static NofM parse(String text) {
            String[] parts = text.split(":", -1);
            if (parts.length != 2) {
                throw new IllegalArgumentException("N:M must look like 2:4, got '" + text + "'");
            }
            try {
                return new NofM(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("N:M must look like 2:4, got '" + text + "'");
            }
        }

        @Override
        public String toString() {
            return n + ":" + m;
        }
    }

    /**
     * Magnitude pruning at a rate chosen per weight tensor, as Deep Compression prunes
     * LeNet-300-100 (fc1 92%, fc2 91%, fc3 74%): a tensor loses the {@code floor(sparsity * n)} of
     * its own smallest |w| for the first rate whose pattern it matches, {@code otherwise} when none does.
     */
    record LayerRates(List<LayerRate> rates, double otherwise) implements PruningPattern {
        public LayerRates {
            rates = List.copyOf(rates);
            checkSparsity(otherwise);
        }

        public double sparsityOf(PrunableWeight weight) {
            return rates.stream().filter(r -> r.matches(weight)).mapToDouble(LayerRate::sparsity).findFirst().orElse(otherwise);
        }

        /** Every rate mapped by {@code f}: the intermediate targets of iterative pruning ({@link PruningSchedule}). */
        public LayerRates map(java.util.function.DoubleUnaryOperator f) {
            return new LayerRates(rates.stream().map(r -> new LayerRate(r.pattern(), f.applyAsDouble(r.sparsity()))).toList(),
                    f.applyAsDouble(otherwise));
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            rates.forEach(r -> b.append(r).append(", "));
            return b.append(String.format(Locale.ROOT, "others=%s", otherwise)).toString();
        }
    }

    /**
     * One per-layer rate: weights whose node's op type is {@code pattern}, or whose initializer or
     * node name matches the regular expression {@code pattern} (as a node filter reads it), lose
     * the fraction {@code sparsity}.
     */
    record LayerRate(String pattern, double sparsity) {
        public LayerRate {
            try {
                Pattern.compile(pattern);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new IllegalArgumentException("'" + pattern + "' is not a valid regular expression: " + e.getDescription());
            }
            checkSparsity(sparsity);
        }

        /** Parses "PATTERN=S" (the last '=' separates, so patterns may contain '='). */
        public static LayerRate parse(String text) {
            int eq = text.lastIndexOf('=');
            if (eq <= 0 || eq == text.length() - 1) {
                throw new IllegalArgumentException("a per-layer rate must be PATTERN=S (e.g. 'fc1.weight=0.92'), not '" + text + "'");
            }
            try {
                return new LayerRate(text.substring(0, eq), Double.parseDouble(text.substring(eq + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("a per-layer rate must be PATTERN=S with S a number, not '" + text + "'");
            }
        }

        boolean matches(PrunableWeight w) {
            Pattern p = Pattern.compile(pattern);
            return pattern.equals(w.opType()) || p.matcher(w.name()).matches() || p.matcher(w.node()).matches();
        }

        @Override
        public String toString() {
            return pattern + "=" + sparsity;
        }
    }

    private static void checkSparsity(double sparsity) {
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new IllegalArgumentException("sparsity must be in [0, 1), got " + sparsity);
        }
    }
}
