package dev.leap4j.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StsDataTest {
    private static final String HEADER = "genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2\n";

    @TempDir
    Path dir;

    @Test
    void readsFixtureInOrder() throws IOException {
        StsData d = StsData.read(StsData.locate(Path.of("src/test/resources/eval/sts"), StsData.Split.TEST));
        assertEquals(20, d.pairs().size());
        assertEquals(2.5, d.pairs().get(0).gold());
        assertEquals("A girl is styling her hair.", d.pairs().get(0).sentence1());
        assertEquals(40, d.sentences().size());
        assertEquals(d.pairs().get(3).sentence2(), d.sentences().get(20 + 3));
    }

    @Test
    void ignoresExtraColumnsAndKeepsQuotesAndTrailingSpaces() throws IOException {
        Path f = write(HEADER + "g\tf\t2012\t1\t4.2\tHe said \"hi\" \tShe said hi\tlicence\tsource\ng\tf\t2012\t2\t0\ta\tb\n");
        StsData d = StsData.read(f);
        assertEquals(2, d.pairs().size());
        assertEquals("He said \"hi\" ", d.pairs().get(0).sentence1());
        assertEquals("She said hi", d.pairs().get(0).sentence2());
        assertEquals(4.2, d.pairs().get(0).gold());
    }

    @Test
    void malformedRowsNameFileAndLine() throws IOException {
        Path shortRow = write(HEADER + "g\tf\t2012\t1\t4.2\ta\tb\ng\tf\t2012\t2\t3.0\tonly one sentence\n");
        var e = assertThrows(IllegalArgumentException.class, () -> StsData.read(shortRow));
        assertTrue(e.getMessage().contains(shortRow + ":3:"), e.getMessage());

        Path badScore = write(HEADER + "g\tf\t2012\t1\tfour\ta\tb\n");
        e = assertThrows(IllegalArgumentException.class, () -> StsData.read(badScore));
        assertTrue(e.getMessage().contains(":2:") && e.getMessage().contains("four"), e.getMessage());

        Path outOfRange = write(HEADER + "g\tf\t2012\t1\t7\ta\tb\n");
        e = assertThrows(IllegalArgumentException.class, () -> StsData.read(outOfRange));
        assertTrue(e.getMessage().contains(":2:"), e.getMessage());

        Path badHeader = write("a\tb\n" + "g\tf\t2012\t1\t4\ta\tb\n");
        e = assertThrows(IllegalArgumentException.class, () -> StsData.read(badHeader));
        assertTrue(e.getMessage().contains(":1:"), e.getMessage());
    }

    @Test
    void emptySplitMissingFileAndBadBytesAreErrors() throws IOException {
        Path empty = write(HEADER);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StsData.read(empty)).getMessage().contains("0 pairs"));
        Path none = dir.resolve("nope.tsv");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StsData.read(none)).getMessage().contains(none.toString()));
        assertThrows(IllegalArgumentException.class, () -> StsData.locate(dir, StsData.Split.DEV));
        Path bytes = dir.resolve("bytes.tsv");
        Files.write(bytes, (HEADER + "g\tf\t2012\t1\t4\ta\tb\ng\tf\t2012\t1\t4\t\u00ff").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        var e = assertThrows(IllegalArgumentException.class, () -> StsData.read(bytes));
        assertTrue(e.getMessage().contains(":3:") && e.getMessage().contains("UTF-8"), e.getMessage());
    }

    private Path write(String content) throws IOException {
        Path f = Files.createTempFile(dir, "sts", ".tsv");
        Files.writeString(f, content);
        return f;
    }
}
