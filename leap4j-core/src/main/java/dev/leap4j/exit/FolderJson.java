package dev.leap4j.exit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.leap4j.api.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The small JSON files leap4j keeps in a model folder beside the model ({@link ExitCalibration}, {@link DepthPaths}). */
final class FolderJson {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private FolderJson() {}

    /** The file's JSON; a file that is not JSON is a model-file error naming it. */
    static JsonNode read(Path file) throws IOException {
        try {
            return JSON.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new ModelFormatException(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
        }
    }

    /** Replaces dir/name whole: a temporary file in the same folder, then an atomic rename, so a reader never sees half a file. */
    static void write(Path dir, String name, ObjectNode root) throws IOException {
        Path tmp = Files.createTempFile(dir, name, ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), root);
            Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
