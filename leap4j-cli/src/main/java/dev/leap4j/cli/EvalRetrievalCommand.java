package dev.leap4j.cli;

import dev.leap4j.api.UsageException;
import dev.leap4j.eval.BeirData;
import dev.leap4j.eval.RetrievalEvaluation;
import dev.leap4j.eval.RetrievalReport;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.exit.ExitCalibration;
import dev.leap4j.api.Prompt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "retrieval", mixinStandardHelpOptions = true,
        description = "BEIR retrieval: nDCG@10, Recall@100, MRR@10 at full depth and per theta (documents and queries early, and queries only).")
final class EvalRetrievalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model = new ModelOption();

    @Option(names = "--data", required = true, description = "BEIR folder with corpus.jsonl, queries.jsonl, qrels/<split>.tsv")
    Path data;

    @Option(names = "--split", defaultValue = "test", description = "qrels split (default test)")
    String split;

    @Option(names = "--search", defaultValue = "exact", description = "exact, hnsw (Lucene) or both (default exact)")
    String search;

    @Option(names = "--query-prefix", paramLabel = "TEXT", description = "text put before every query (default: the model's 'query' prompt, else its default prompt, else none)")
    String queryPrefix;

    @Option(names = "--doc-prefix", paramLabel = "TEXT", description = "text put before every document (default: the model's 'document', 'passage' or 'corpus' prompt, else its default prompt, else none)")
    String docPrefix;

    @Option(names = "--max-queries", description = "evaluate only the first N judged queries (quick runs)")
    Integer maxQueries;

    @Option(names = "--doc-speed-sample", defaultValue = "2", description = "documents timed at batch 1 (batch 32 times 8x as many); 0 = none (default 2: documents are long)")
    int docSpeedSample;

    @Mixin
    SweepArgs sweep = new SweepArgs();

    @Mixin
    CalibrateOption calibrate = new CalibrateOption();

    @Option(names = "--out", required = true, description = "folder for report.json, report.md and the PNG charts")
    Path out;

    @Override
    public Integer call() throws IOException {
        RetrievalEvaluation.Search how = switch (search.trim().toLowerCase(Locale.ROOT)) {
            case "exact" -> RetrievalEvaluation.Search.EXACT;
            case "hnsw" -> RetrievalEvaluation.Search.HNSW;
            case "both" -> RetrievalEvaluation.Search.BOTH;
            default -> throw new UsageException("--search must be exact, hnsw or both, got '" + search + "'");
        };
        BeirData beir = BeirData.read(data, split);
        if (maxQueries != null) beir = beir.firstQueries(maxQueries);
        BeirData.Skips sk = beir.skips();
        if (sk.total() > 0) {
            System.err.printf(Locale.ROOT, "skipped: %d judgements naming unknown documents, %d naming unknown queries, %d queries without a relevant document%n",
                    sk.judgementsUnknownDocument(), sk.judgementsUnknownQuery(), sk.queriesWithoutRelevant());
        }
        int threads = sweep.threads();
        try (EarlyExitEncoder enc = model.open(threads)) {
            // a model scored without the prompts it was trained with looks worse than it is, so they apply unless overridden
            Prompt queryPrompt = queryPrefix != null ? Prompt.literal(queryPrefix) : enc.prompts().forQueries();
            Prompt docPrompt = docPrefix != null ? Prompt.literal(docPrefix) : enc.prompts().forDocuments();
            beir = beir.withPrefixes(queryPrompt.text(), docPrompt.text());
            Map<String, Prompt> prompts = new LinkedHashMap<>();
            prompts.put("queries", queryPrompt);
            prompts.put("documents", docPrompt);
            var o = new RetrievalEvaluation.Options(sweep.options(enc.numLayers()), how, docSpeedSample);
            RetrievalEvaluation.Result r = RetrievalEvaluation.run(enc, beir, o, ProgressBar.stderr());
            RetrievalReport.write(out, r, EvalCommand.runInfo(model.described(), data.toString(), threads, spec.commandLine().getParseResult().originalArgs().toArray(String[]::new),
                    prompts));
            var f = r.full().primary();
            System.out.printf(Locale.ROOT, "%s on %s (%d documents, %d queries; query prompt %s, document prompt %s): full depth nDCG@10 %.4f, Recall@100 %.4f, MRR@10 %.4f%n",
                    model.name, data, beir.docIds().size(), beir.queryIds().size(), queryPrompt.describe(), docPrompt.describe(), f.ndcg10(), f.recall100(), f.mrr10());
            System.out.printf(Locale.ROOT, "%-6s %-12s %-12s %-14s %-14s %-12s %s%n", "theta", "ndcg10_both", "ndcg10_mixed", "doc_mean_exit", "query_mean_exit",
                    "doc_b32", "best fixed cut within the documents' layers");
            for (var t : r.thetas()) {
                System.out.printf(Locale.ROOT, "%-6.2f %-12.4f %-12.4f %-14.2f %-14.2f %-12s %s%n", t.theta(), t.both().primary().ndcg10(),
                        t.mixed().primary().ndcg10(), t.docs().meanExitLayer(), t.queries().meanExitLayer(), EvalStsCommand.fmt(t.docSpeedupBatch32()),
                        EvalStsCommand.cut(t.bothCut(), t.beatsFixedCuts()));
            }
            for (var g : r.rungs()) {
                System.out.printf(Locale.ROOT, "depth %d (path %s): nDCG@10 %.4f, queries only %.4f (first %d layers: %.4f), document speedup b32 %s%n", g.depth(),
                        java.util.Arrays.toString(g.path()), g.scores().primary().ndcg10(), g.queriesOnly().primary().ndcg10(), g.depth(), g.firstLayersNdcg10(),
                        EvalStsCommand.fmt(g.docSpeedupBatch32()));
            }
            System.out.println("both early: " + r.both().message());
            System.out.println("mixed: " + r.mixed().message());
            // one rule serves queries and documents in every adapter, so the verdict that counts is "both early"
            String written = calibrate.apply(model.name, r.both().calibration(ExitCalibration.Task.RETRIEVAL, r.base(),
                    String.format(Locale.ROOT, "%s %s, %d queries over %d documents", data.getFileName(), split, beir.queryIds().size(), beir.docIds().size())));
            if (written != null) System.out.println(written);
            System.out.println("report: " + out.resolve("report.md"));
        }
        return 0;
    }
}
