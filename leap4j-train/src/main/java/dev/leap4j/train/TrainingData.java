package dev.leap4j.train;

import dev.leap4j.api.UsageException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Unlabeled training text: one sentence per line, UTF-8. Every line must hold text: a blank line, invalid UTF-8 or
 * a control character is reported with its line number rather than silently skipped, because it usually means the
 * wrong file (a TSV, a binary) was given.
 */
public final class TrainingData {
    private TrainingData() {}

    /** The first maxExamples lines (all when maxExamples <= 0). */
    public static List<String> read(Path file, int maxExamples) throws IOException {
        if (!Files.isRegularFile(file)) throw new UsageException("training data " + file + " does not exist");
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> out = new ArrayList<>();
        int lineNo = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(file), dec))) {
            String line;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (lineNo == 1 && line.startsWith("\uFEFF")) line = line.substring(1);
                if (line.isBlank()) throw new UsageException(file + " line " + lineNo + ": empty line (expected one sentence per line)");
                for (int i = 0; i < line.length(); i++) {
                    char c = line.charAt(i);
                    if (c < 0x20 && c != '\t' || c == 0x7f) {
                        throw new UsageException(file + " line " + lineNo + ": control character U+" + String.format(java.util.Locale.ROOT, "%04X", (int) c)
                                + " at column " + (i + 1) + " (expected plain text, one sentence per line)");
                    }
                }
                out.add(line);
                if (maxExamples > 0 && out.size() >= maxExamples) break;
            }
        } catch (CharacterCodingException e) {
            throw new UsageException(file + " line " + (lineNo + 1) + ": not valid UTF-8 text");
        }
        if (out.isEmpty()) throw new UsageException("training data " + file + " is empty");
        return out;
    }
}
