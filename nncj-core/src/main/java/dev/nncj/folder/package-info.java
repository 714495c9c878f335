/**
 * Model folders in Hugging Face Optimum's layout: {@code model.onnx} beside the files a loader reads
 * with it ({@code config.json}, {@code tokenizer.json}, {@code tokenizer_config.json},
 * {@code special_tokens_map.json}, {@code vocab.txt}, ...). {@link dev.nncj.folder.ModelFolder} reads
 * one, {@link dev.nncj.folder.StagedFolder} writes one whole or not at all, and
 * {@link dev.nncj.folder.HfConfig} keeps {@code config.json} true to the architecture written.
 */
package dev.nncj.folder;
