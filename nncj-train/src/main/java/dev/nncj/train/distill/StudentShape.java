package dev.nncj.train.distill;

import java.util.List;
import java.util.OptionalInt;

/**
 * The student to derive from a teacher encoder: which teacher layers it keeps, in order
 * (DistilBERT keeps every other layer: 0, 2, 4 of 6), and optionally fewer attention heads or
 * FFN neurons per kept layer (the weakest by weight magnitude go).
 *
 * @param heads attention heads each kept layer keeps; empty keeps all
 * @param ffnWidth FFN neurons each kept layer keeps; empty keeps all
 */
public record StudentShape(List<Integer> layers, OptionalInt heads, OptionalInt ffnWidth) {
    public StudentShape {
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a student needs at least one layer");
        }
        if (heads.isPresent() && heads.getAsInt() < 1 || ffnWidth.isPresent() && ffnWidth.getAsInt() < 1) {
            throw new IllegalArgumentException("student heads and FFN width must be >= 1");
        }
    }

    public static StudentShape layers(List<Integer> layers) {
        return new StudentShape(layers, OptionalInt.empty(), OptionalInt.empty());
    }
}
