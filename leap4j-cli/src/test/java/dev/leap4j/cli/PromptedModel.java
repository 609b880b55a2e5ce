package dev.leap4j.cli;

import dev.leap4j.load.Prompts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real model under different prompts without copying its weights: a folder of links to the model's files
 * beside its own config_sentence_transformers.json.
 */
final class PromptedModel {
    private PromptedModel() {}

    static Path link(Path model, Path dir, String promptsJson) throws IOException {
        Files.createDirectories(dir);
        List<Path> entries;
        try (Stream<Path> s = Files.list(model)) {
            entries = s.toList();
        }
        for (Path e : entries) {
            if (e.getFileName().toString().equals(Prompts.FILE)) continue;
            Files.createSymbolicLink(dir.resolve(e.getFileName().toString()), e.toAbsolutePath());
        }
        Files.writeString(dir.resolve(Prompts.FILE), promptsJson);
        return dir;
    }
}
