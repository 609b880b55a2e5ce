package dev.leap4j.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Strict UTF-8 line reading: a malformed byte is an error naming file and line, never a replacement character. */
final class Readers {
    private Readers() {}

    static BufferedReader strictUtf8(Path file) throws IOException {
        var dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        return new BufferedReader(new InputStreamReader(Files.newInputStream(file), dec), 1 << 16);
    }

    /** The next line (without a leading byte-order mark on line 1), or null at the end. */
    static String line(BufferedReader r, Path file, int lineNo) throws IOException {
        String s;
        try {
            s = r.readLine();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ":" + lineNo + ": not valid UTF-8");
        }
        if (s != null && lineNo == 1 && s.startsWith("\uFEFF")) s = s.substring(1);
        return s;
    }
}
