package dev.leap4j.tokenize;

import dev.leap4j.load.BuiltinModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextTokenizerTest {
    static final int CLS = 101, SEP = 102, VOCAB = 30522;
    static Path tokenizerJson;
    static TextTokenizer tok, roomy;
    static final int MAX = 16;

    @BeforeAll
    static void load() throws IOException {
        tokenizerJson = BuiltinModel.ALL_MINILM_L6_V2.folder(Path.of("target/model-cache")).resolve("tokenizer.json");
        tok = TextTokenizer.load(tokenizerJson, MAX);
        roomy = TextTokenizer.load(tokenizerJson, 512);
    }

    @AfterAll
    static void close() {
        tok.close();
        roomy.close();
    }

    private static void assertWellFormed(TokenizedText t, String text) {
        int[] ids = t.ids();
        assertTrue(ids.length >= 2 && ids.length <= MAX, "length " + ids.length + " for '" + text + "'");
        assertEquals(CLS, ids[0], text);
        assertEquals(SEP, ids[ids.length - 1], text);
        for (int id : ids) assertTrue(id >= 0 && id < VOCAB, "id " + id + " for '" + text + "'");
        for (int ty : t.typeIds()) assertEquals(0, ty);
    }

    @Test
    void truncationIsReportedAndKeepsTheSeparator() {
        long seed = dev.leap4j.TestSeed.next();
        SplittableRandom rnd = new SplittableRandom(seed);
        String[] words = {"the", "quick", "brown", "fox", "jumps", "embedding", "über", "東京"};
        for (int trial = 0; trial < 20; trial++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + rnd.nextInt(30);
            for (int i = 0; i < n; i++) sb.append(words[rnd.nextInt(words.length)]).append(' ');
            String text = sb.toString();
            TokenizedText t = tok.encode(text);
            assertWellFormed(t, text);
            int full = roomy.encode(text).length();
            assertEquals(full > MAX, t.truncated(), "'" + text + "' has " + full + " tokens (seed " + seed + ")");
            assertEquals(Math.min(full, MAX), t.length());
            assertFalse(roomy.encode(text).truncated());
        }
        TokenizedText exact = tok.encode("a b c d e f g h i j k l m n"); // 14 words + 2 specials = MAX
        assertEquals(MAX, exact.length());
        assertFalse(exact.truncated(), "a text that exactly fits is not truncated");
        TokenizedText over = tok.encode("a b c d e f g h i j k l m n o");
        assertTrue(over.truncated());
        assertEquals(MAX, over.length());
        assertEquals(SEP, over.ids()[MAX - 1]);
    }

    @Test
    void emptyAndUnusualTextsDoNotCrash() {
        for (String s : new String[]{"", " ", "\t\n  \r\n", "\u00a0\u2003"}) {
            TokenizedText t = tok.encode(s);
            assertArrayEquals(new int[]{CLS, SEP}, t.ids(), "'" + s + "'");
            assertFalse(t.truncated());
        }
        for (String s : List.of("Crème brûlée à la façon de Zoë", "東京は日本の首都です。", "🚀🔥 emoji 👍🏽 mixed", "\u0000\u0007 control",
                "مرحبا بالعالم", "x".repeat(5000), "\uD83D")) {
            assertWellFormed(tok.encode(s), s);
        }
        assertEquals(tok.encode("HELLO World").length(), tok.encode("hello world").length(), "the all-MiniLM tokenizer lowercases");
        assertArrayEquals(tok.encode("hello world").ids(), tok.encode("HELLO World").ids());
        assertThrows(IllegalArgumentException.class, () -> tok.encode(null));
        assertEquals(3, tok.encodeAll(List.of("a", "", "b c")).size());
    }

    @Test
    void missingOrBadTokenizerFilesAreClearErrors() throws IOException {
        Path missing = Path.of("target/no-such-dir/tokenizer.json");
        String m = assertThrows(IllegalArgumentException.class, () -> TextTokenizer.load(missing, 16)).getMessage();
        assertTrue(m.contains(missing.toString()), m);
        Path bad = Files.createTempFile("bad-tokenizer", ".json");
        try {
            Files.writeString(bad, "{\"not\": \"a tokenizer\"}");
            m = assertThrows(IllegalArgumentException.class, () -> TextTokenizer.load(bad, 16)).getMessage();
            assertTrue(m.contains(bad.toString()), m);
        } finally {
            Files.delete(bad);
        }
        assertThrows(IllegalArgumentException.class, () -> TextTokenizer.load(tokenizerJson, 1));
    }

    @Test
    void tokenizedTextChecksItsArrays() {
        assertThrows(IllegalArgumentException.class, () -> new TokenizedText(new int[0], new int[0], false));
        assertThrows(IllegalArgumentException.class, () -> new TokenizedText(new int[2], new int[3], false));
    }
}
