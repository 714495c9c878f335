package dev.nncj.zoo;

/**
 * A pretrained model shipped inside a Maven artifact on the class path.
 *
 * @param name the zoo name users type, e.g. all-minilm-l6-v2
 * @param description one line: architecture, size, origin
 * @param artifact the Maven coordinates that carry it (resolved at build time, never at run time)
 * @param modelResource class-path resource of the .onnx file
 * @param tokenizerResource class-path resource of the Hugging Face tokenizer.json
 */
public record ZooModel(String name, String description, String artifact, String modelResource,
                       String tokenizerResource) {}
