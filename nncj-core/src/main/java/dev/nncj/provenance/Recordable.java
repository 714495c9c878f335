package dev.nncj.provenance;

/**
 * A value that decides how provenance records it ({@link RecordedOptions}): an importance scorer by
 * its name, say, rather than the weights or data it holds.
 */
public interface Recordable {
    /** What to record: anything {@link RecordedOptions#value} accepts. */
    Object recorded();
}
