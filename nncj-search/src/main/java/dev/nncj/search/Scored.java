package dev.nncj.search;

/** A candidate with what it scored. */
public record Scored(Architecture architecture, Objectives objectives) {}
