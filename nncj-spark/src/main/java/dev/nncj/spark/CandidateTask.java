package dev.nncj.spark;

import java.io.Serializable;

/** What travels to an executor for one candidate: its architecture line and the stage label. */
record CandidateTask(String candidate, String stage) implements Serializable {}
