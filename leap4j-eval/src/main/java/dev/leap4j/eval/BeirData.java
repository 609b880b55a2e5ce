package dev.leap4j.eval;

import dev.leap4j.api.UsageException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BEIR dataset folder: corpus.jsonl ({@code _id, title, text}), queries.jsonl ({@code _id, text}) and
 * qrels/SPLIT.tsv ({@code query-id corpus-id score} with a header). Malformed lines are errors naming file and
 * line. Judgements naming a document or query that does not exist are skipped and counted (BEIR's own
 * evaluator ignores them too); queries with no positive judgement are skipped and counted, since every ranking
 * metric is undefined for them. Only queries with a judgement are kept, in qrels order.
 *
 * @param docTexts  title + " " + text per document, in corpus order
 * @param queryIds  the evaluated queries, in the order of their first judgement
 * @param qrels     query id -> (document id -> relevance), known documents only
 */
public record BeirData(Path dir, String split, List<String> docIds, List<String> docTexts, List<String> queryIds,
                       List<String> queryTexts, Map<String, Map<String, Integer>> qrels, Skips skips) {

    /** What was left out and why; each count is reported, never silently dropped. */
    public record Skips(int judgementsUnknownDocument, int judgementsUnknownQuery, int queriesWithoutRelevant) {
        public int total() {
            return judgementsUnknownDocument + judgementsUnknownQuery + queriesWithoutRelevant;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    public static BeirData read(Path dir, String split) throws IOException {
        if (!Files.isDirectory(dir)) throw new UsageException("BEIR folder " + dir + " does not exist");
        if (split == null || !split.matches("[A-Za-z0-9_-]+")) throw new UsageException("bad qrels split name '" + split + "'");
        Path corpusFile = require(dir.resolve("corpus.jsonl"));
        Path queriesFile = require(dir.resolve("queries.jsonl"));
        Path qrelsFile = require(dir.resolve("qrels").resolve(split + ".tsv"));

        Map<String, String> corpus = readJsonl(corpusFile, true);
        if (corpus.isEmpty()) throw new UsageException(corpusFile + ": no documents");
        Map<String, String> queries = readJsonl(queriesFile, false);

        Map<String, Map<String, Integer>> qrels = new LinkedHashMap<>();
        int unknownDoc = 0, unknownQuery = 0;
        try (Readers r = Readers.open(qrelsFile)) {
            String line;
            while ((line = r.next()) != null) {
                int lineNo = r.lineNo();
                if (line.isBlank()) continue;
                String[] f = line.split("\t", -1);
                if (lineNo == 1 && f.length >= 1 && f[0].trim().equals("query-id")) continue;
                if (f.length != 3) throw new UsageException(qrelsFile + ":" + lineNo + ": expected 3 tab-separated columns (query-id corpus-id score), got " + f.length);
                int score;
                try {
                    score = Integer.parseInt(f[2].trim());
                } catch (NumberFormatException e) {
                    throw new UsageException(qrelsFile + ":" + lineNo + ": score '" + f[2] + "' is not an integer");
                }
                String q = f[0].trim(), d = f[1].trim();
                if (q.isEmpty() || d.isEmpty()) throw new UsageException(qrelsFile + ":" + lineNo + ": empty query or document id");
                if (!queries.containsKey(q)) {
                    unknownQuery++;
                    continue;
                }
                if (!corpus.containsKey(d)) {
                    unknownDoc++;
                    continue;
                }
                Integer prev = qrels.computeIfAbsent(q, k -> new HashMap<>()).put(d, score);
                if (prev != null && prev != score) {
                    throw new UsageException(qrelsFile + ":" + lineNo + ": query " + q + " judges document " + d + " twice (" + prev + " and " + score + ")");
                }
            }
        }
        int noRelevant = 0;
        for (var it = qrels.entrySet().iterator(); it.hasNext(); ) {
            if (it.next().getValue().values().stream().noneMatch(s -> s > 0)) {
                it.remove();
                noRelevant++;
            }
        }
        if (qrels.isEmpty()) {
            throw new UsageException(qrelsFile + ": no query with a relevant, known document (" + unknownDoc + " judgements name unknown documents, "
                    + unknownQuery + " unknown queries, " + noRelevant + " queries without a positive judgement)");
        }
        List<String> queryIds = List.copyOf(qrels.keySet());
        List<String> queryTexts = queryIds.stream().map(queries::get).toList();
        Map<String, Map<String, Integer>> frozen = new LinkedHashMap<>();
        qrels.forEach((q, m) -> frozen.put(q, Map.copyOf(m)));
        return new BeirData(dir, split, List.copyOf(corpus.keySet()), List.copyOf(corpus.values()), queryIds, queryTexts,
                java.util.Collections.unmodifiableMap(frozen), new Skips(unknownDoc, unknownQuery, noRelevant));
    }

    private static Path require(Path p) {
        if (!Files.isRegularFile(p)) throw new UsageException("missing BEIR file " + p);
        return p;
    }

    /** id -> text (documents: title + " " + text, as BEIR's dense models embed them). */
    private static Map<String, String> readJsonl(Path file, boolean withTitle) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Readers r = Readers.open(file)) {
            String line;
            while ((line = r.next()) != null) {
                int lineNo = r.lineNo();
                if (line.isBlank()) continue;
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new UsageException(file + ":" + lineNo + ": malformed JSON (" + e.getOriginalMessage() + ")");
                }
                if (n == null || !n.isObject()) throw new UsageException(file + ":" + lineNo + ": expected a JSON object");
                JsonNode id = n.get("_id"), text = n.get("text"), title = n.get("title");
                if (id == null || !(id.isTextual() || id.isNumber()) || id.asText().isEmpty()) {
                    throw new UsageException(file + ":" + lineNo + ": missing or empty \"_id\"");
                }
                if (text == null || !text.isTextual()) throw new UsageException(file + ":" + lineNo + ": missing string field \"text\"");
                if (title != null && !title.isNull() && !title.isTextual()) throw new UsageException(file + ":" + lineNo + ": \"title\" is not a string");
                String t = text.asText();
                if (withTitle && title != null && !title.isNull() && !title.asText().isBlank()) t = title.asText() + " " + t;
                if (t.isBlank()) throw new UsageException(file + ":" + lineNo + ": empty text for id " + id.asText());
                if (out.put(id.asText(), t) != null) throw new UsageException(file + ":" + lineNo + ": duplicate _id " + id.asText());
            }
        }
        return out;
    }

    public int judgements() {
        return qrels.values().stream().mapToInt(Map::size).sum();
    }

    /** A copy keeping only the first n evaluated queries (for quick runs and tests). */
    public BeirData firstQueries(int n) {
        if (n < 1) throw new UsageException("query limit must be >= 1, got " + n);
        if (n >= queryIds.size()) return this;
        Map<String, Map<String, Integer>> q = new LinkedHashMap<>();
        for (String id : queryIds.subList(0, n)) q.put(id, qrels.get(id));
        return new BeirData(dir, split, docIds, docTexts, queryIds.subList(0, n), queryTexts.subList(0, n), q, skips);
    }

    /** A copy whose query and document texts carry the prefixes some models were trained with (e5: "query: ", "passage: "). */
    public BeirData withPrefixes(String queryPrefix, String docPrefix) {
        if (queryPrefix.isEmpty() && docPrefix.isEmpty()) return this;
        return new BeirData(dir, split, docIds, docTexts.stream().map(t -> docPrefix + t).toList(), queryIds,
                queryTexts.stream().map(t -> queryPrefix + t).toList(), qrels, skips);
    }
}
