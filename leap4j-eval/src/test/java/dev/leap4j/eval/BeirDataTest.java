package dev.leap4j.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BeirDataTest {
    @TempDir
    Path dir;

    private static final String CORPUS = """
            {"_id": "d1", "title": "T1", "text": "one"}
            {"_id": "d2", "title": "", "text": "two"}
            {"_id": "d3", "text": "three"}
            """;
    private static final String QUERIES = """
            {"_id": "q1", "text": "first", "metadata": {}}
            {"_id": "q2", "text": "second"}
            {"_id": "q3", "text": "third"}
            """;

    @Test
    void readsFixture() throws IOException {
        BeirData d = BeirData.read(Path.of("src/test/resources/eval/beir"), "test");
        assertEquals(12, d.queryIds().size());
        assertEquals(d.queryIds().size(), d.queryTexts().size());
        assertEquals(0, d.skips().total());
        assertTrue(d.docIds().containsAll(d.qrels().values().stream().flatMap(m -> m.keySet().stream()).toList()));
    }

    @Test
    void joinsTitleAndTextAndCountsSkippedJudgements() throws IOException {
        write(CORPUS, QUERIES, "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\tgone\t1\nq2\td2\t0\nq9\td1\t1\nq3\td3\t2\n");
        BeirData d = BeirData.read(dir, "test");
        assertEquals("T1 one", d.docTexts().get(0));
        assertEquals("two", d.docTexts().get(1));
        assertEquals(java.util.List.of("q1", "q3"), d.queryIds());
        assertEquals(1, d.skips().judgementsUnknownDocument());
        assertEquals(1, d.skips().judgementsUnknownQuery());
        assertEquals(1, d.skips().queriesWithoutRelevant());
        assertEquals(2, d.qrels().get("q3").get("d3"));
        BeirData p = d.withPrefixes("query: ", "passage: ");
        assertEquals("query: third", p.queryTexts().get(1));
        assertEquals("passage: T1 one", p.docTexts().get(0));
    }

    @Test
    void malformedLinesNameFileAndLine() throws IOException {
        write(CORPUS + "{\"_id\": \"d4\", \"text\": \n", QUERIES, "q1\td1\t1\n");
        var e = assertThrows(IllegalArgumentException.class, () -> BeirData.read(dir, "test"));
        assertTrue(e.getMessage().contains("corpus.jsonl:4:") && e.getMessage().contains("malformed JSON"), e.getMessage());

        write(CORPUS, QUERIES + "{\"text\": \"no id\"}\n", "q1\td1\t1\n");
        e = assertThrows(IllegalArgumentException.class, () -> BeirData.read(dir, "test"));
        assertTrue(e.getMessage().contains("queries.jsonl:4:") && e.getMessage().contains("_id"), e.getMessage());

        write(CORPUS, QUERIES, "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2 d2 1\n");
        e = assertThrows(IllegalArgumentException.class, () -> BeirData.read(dir, "test"));
        assertTrue(e.getMessage().contains("test.tsv:3:") && e.getMessage().contains("3 tab-separated"), e.getMessage());

        write(CORPUS, QUERIES, "q1\td1\tyes\n");
        e = assertThrows(IllegalArgumentException.class, () -> BeirData.read(dir, "test"));
        assertTrue(e.getMessage().contains("test.tsv:1:"), e.getMessage());

        write(CORPUS + "{\"_id\": \"d1\", \"text\": \"again\"}\n", QUERIES, "q1\td1\t1\n");
        e = assertThrows(IllegalArgumentException.class, () -> BeirData.read(dir, "test"));
        assertTrue(e.getMessage().contains("corpus.jsonl:4:") && e.getMessage().contains("duplicate"), e.getMessage());
    }

    @Test
    void emptySplitsAndMissingFilesAreErrors() throws IOException {
        write(CORPUS, QUERIES, "query-id\tcorpus-id\tscore\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BeirData.read(dir, "test")).getMessage().contains("no query"));
        write(CORPUS, QUERIES, "query-id\tcorpus-id\tscore\nq1\tnowhere\t1\n");
        var e = assertThrows(IllegalArgumentException.class, () -> BeirData.read(dir, "test"));
        assertTrue(e.getMessage().contains("1 judgements name unknown documents"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BeirData.read(dir, "dev")).getMessage().contains("dev.tsv"));
        Files.delete(dir.resolve("corpus.jsonl"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BeirData.read(dir, "test")).getMessage().contains("corpus.jsonl"));
    }

    private void write(String corpus, String queries, String qrels) throws IOException {
        Files.writeString(dir.resolve("corpus.jsonl"), corpus);
        Files.writeString(dir.resolve("queries.jsonl"), queries);
        Files.createDirectories(dir.resolve("qrels"));
        Files.writeString(dir.resolve("qrels").resolve("test.tsv"), qrels);
    }
}
