package dev.leap4j.eval;

import dev.leap4j.api.UsageException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Strict UTF-8 line reading: a malformed byte is an error naming file and line, never a replacement character.
 * Lines are split on bytes and decoded one by one, because a decoder over a buffered stream reports an error
 * at whatever line it happened to be reading ahead of, not at the line that holds the bad byte.
 */
final class Readers implements Closeable {
    private final InputStream in;
    private final Path file;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
    private int lineNo;

    private Readers(Path file) throws IOException {
        this.file = file;
        this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    }

    static Readers open(Path file) throws IOException {
        return new Readers(file);
    }

    /** 1-based number of the line last returned. */
    int lineNo() {
        return lineNo;
    }

    /** The next line without its terminator (and without a byte-order mark on line 1), or null at the end. */
    String next() throws IOException {
        buf.reset();
        int b;
        boolean any = false;
        while ((b = in.read()) != -1) {
            any = true;
            if (b == '\n') break;
            buf.write(b);
        }
        if (!any) return null;
        lineNo++;
        byte[] bytes = buf.toByteArray();
        int len = bytes.length;
        if (len > 0 && bytes[len - 1] == '\r') len--;
        String s;
        try {
            s = decoder.reset().decode(ByteBuffer.wrap(bytes, 0, len)).toString();
        } catch (CharacterCodingException e) {
            throw new UsageException(file + ":" + lineNo + ": not valid UTF-8");
        }
        if (lineNo == 1 && s.startsWith("\uFEFF")) s = s.substring(1);
        return s;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
