package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.folder.ModelFolder;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The one place a model argument becomes a file: a model folder in Hugging Face Optimum's layout stands
 * for its model.onnx, so every command that takes a model takes a folder, and its tokenizer.json and
 * config.json are found beside the model as for any file. Named on each model option as its converter.
 */
final class ModelArgument implements ITypeConverter<Path> {
    @Override
    public Path convert(String value) {
        try {
            return ModelFolder.modelOf(Path.of(value));
        } catch (NncjException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
