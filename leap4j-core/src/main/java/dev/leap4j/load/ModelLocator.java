package dev.leap4j.load;

import dev.leap4j.api.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves what a user typed as a model: a built-in name or a model folder. */
public final class ModelLocator {
    private ModelLocator() {}

    public static Path resolve(String spec, Path cacheDir) throws IOException {
        if (spec == null || spec.isBlank()) throw new UsageException("no model given: use a built-in name (" + BuiltinModel.names() + ") or a model folder");
        BuiltinModel b = BuiltinModel.byName(spec);
        if (b != null) return b.folder(cacheDir);
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) return p;
        throw new UsageException("unknown model '" + spec + "': use a built-in name (" + BuiltinModel.names() + ") or an existing model folder");
    }

    public static ModelFolder load(String spec, Path cacheDir) throws IOException {
        return ModelFolder.load(resolve(spec, cacheDir));
    }
}
