package dev.nncj.sparsity;

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
            if (!(sparsity >= 0 && sparsity < 1)) {
                throw new IllegalArgumentException("sparsity must be in [0, 1), got " + sparsity);
            }
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
}
