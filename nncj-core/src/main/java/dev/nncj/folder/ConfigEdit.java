package dev.nncj.folder;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/** A change a method makes to what a model folder's config.json says; {@code file} is named in errors. */
public interface ConfigEdit {
    /** A copy of {@code config}, read from {@code file}, after the change. */
    ObjectNode apply(ObjectNode config, Path file);
}
