package dev.nncj.lowrank;

/** A weight the rank rules selected but that was left as it is, and why. */
public record SkippedWeight(String weight, String node, String reason) {}
