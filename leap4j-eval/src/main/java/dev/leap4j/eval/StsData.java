package dev.leap4j.eval;

import dev.leap4j.api.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * STS Benchmark pairs from the derived TSV files ({@code genre filename year id score sentence1 sentence2}, one
 * header row, tab-separated, no quoting; extra trailing columns are ignored). A malformed row is an error naming
 * the file and line: a silently dropped pair would change the correlation without anyone noticing.
 */
public record StsData(Path file, List<Pair> pairs) {
    public record Pair(String sentence1, String sentence2, double gold) {}

    public enum Split {
        TRAIN, DEV, TEST;

        public String fileName() {
            return "sts-" + name().toLowerCase(Locale.ROOT) + ".tsv";
        }
    }

    /** The split's file in dir, or dir/derived (the layout of the shared data folder). */
    public static Path locate(Path dir, Split split) {
        for (Path p : List.of(dir.resolve(split.fileName()), dir.resolve("derived").resolve(split.fileName()))) {
            if (Files.isRegularFile(p)) return p;
        }
        if (Files.isRegularFile(dir) && dir.getFileName().toString().endsWith(".tsv")) return dir;
        throw new UsageException("no " + split.fileName() + " in " + dir + " (nor in " + dir.resolve("derived") + ")");
    }

    public static StsData read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new UsageException("missing STS file " + file);
        List<Pair> pairs = new ArrayList<>();
        try (Readers r = Readers.open(file)) {
            String header = r.next();
            if (header == null) throw new UsageException(file + ": empty file (expected a header row)");
            String[] h = header.split("\t", -1);
            if (h.length < 7 || !h[4].trim().equals("score") || !h[5].trim().equals("sentence1") || !h[6].trim().equals("sentence2")) {
                throw new UsageException(file + ":1: expected header 'genre filename year id score sentence1 sentence2', got '" + header + "'");
            }
            String line;
            while ((line = r.next()) != null) {
                int lineNo = r.lineNo();
                if (line.isBlank()) continue;
                String[] f = line.split("\t", -1);
                if (f.length < 7) {
                    throw new UsageException(file + ":" + lineNo + ": expected at least 7 tab-separated columns, got " + f.length);
                }
                double gold;
                try {
                    gold = Double.parseDouble(f[4].trim());
                } catch (NumberFormatException e) {
                    throw new UsageException(file + ":" + lineNo + ": score '" + f[4] + "' is not a number");
                }
                if (!(gold >= 0 && gold <= 5)) throw new UsageException(file + ":" + lineNo + ": score " + gold + " is outside [0, 5]");
                if (f[5].isEmpty() || f[6].isEmpty()) throw new UsageException(file + ":" + lineNo + ": empty sentence");
                pairs.add(new Pair(f[5], f[6], gold));
            }
        }
        if (pairs.size() < 2) throw new UsageException(file + ": " + pairs.size() + " pairs; a correlation needs at least 2");
        return new StsData(file, List.copyOf(pairs));
    }

    public double[] gold() {
        double[] g = new double[pairs.size()];
        for (int i = 0; i < g.length; i++) g[i] = pairs.get(i).gold();
        return g;
    }

    /** sentence1 of every pair, then sentence2 of every pair: the order traces are computed in. */
    public List<String> sentences() {
        List<String> s = new ArrayList<>(2 * pairs.size());
        for (Pair p : pairs) s.add(p.sentence1());
        for (Pair p : pairs) s.add(p.sentence2());
        return s;
    }

    /** A copy whose sentences carry the prompt some models were trained with; the gold scores stay. */
    public StsData withPrefix(String prefix) {
        if (prefix.isEmpty()) return this;
        return new StsData(file, pairs.stream().map(p -> new Pair(prefix + p.sentence1(), prefix + p.sentence2(), p.gold())).toList());
    }
}
