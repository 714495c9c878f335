package dev.nncj.transformer;

import dev.nncj.NncjException;
import java.util.List;

/** How many attention heads each layer keeps. */
public sealed interface HeadPlan {
    /** Heads layer {@code layer} keeps, given it has {@code heads}. */
    int keep(int layer, int heads);

    /** Keep every head. */
    record All() implements HeadPlan {
        @Override
        public int keep(int layer, int heads) {
            return heads;
        }
    }

    /** Remove round(fraction * heads) heads from every layer; fraction in [0, 1). */
    record Fraction(double removed) implements HeadPlan {
        public Fraction {
            StructuredPruneOptions.requireFraction("heads", removed);
        }

        @Override
        public int keep(int layer, int heads) {
            return heads - (int) Math.round(removed * heads);
        }
    }

    /** Keep exactly {@code counts.get(i)} heads in layer i (after layer selection). */
    record PerLayer(List<Integer> counts) implements HeadPlan {
        public PerLayer {
            counts = List.copyOf(counts);
        }

        @Override
        public int keep(int layer, int heads) {
            if (layer >= counts.size()) {
                throw new NncjException("per-layer head counts: none given for layer " + layer);
            }
            return counts.get(layer);
        }
    }
}
