package dev.leap4j.api;

import dev.leap4j.load.BuiltinModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The int8 path against the fp32 path on each built-in model, on the 24 SciFact titles and abstracts of the
 * title-to-abstract check (short and 300-token inputs, with their prompts): every vector within cosine 0.995 of its
 * fp32 vector, and the ranking kept. The full STS-B and SciFact figures are in docs/RESULTS.md (eval).
 */
class Int8QualityTest {
    @Test
    void int8VectorsStayWithinCosine0995OfFp32AndKeepTheRanking() throws Exception {
        List<SafeDefaultsTest.Doc> docs = SafeDefaultsTest.scifact();
        for (BuiltinModel b : BuiltinModel.values()) {
            try (Leap4j fp32 = Leap4j.load(b.id, SafeDefaultsTest.CACHE, 2);
                 Leap4j int8 = Leap4j.load(b.id, SafeDefaultsTest.CACHE, 2, WeightFormat.INT8)) {
                assertEquals(WeightFormat.FP32, fp32.weightFormat());
                assertEquals(WeightFormat.INT8, int8.weightFormat());
                List<String> texts = new ArrayList<>();
                for (SafeDefaultsTest.Doc d : docs) {
                    texts.add(fp32.queryPrompt().apply(d.title()));
                    texts.add(fp32.documentPrompt().apply(d.text()));
                }
                List<Embedding> a = fp32.embed(texts), q = int8.embed(texts);
                double worst = 1;
                for (int i = 0; i < texts.size(); i++) {
                    double cos = SafeDefaultsTest.dot(a.get(i).vector(), q.get(i).vector())
                            / Math.sqrt(SafeDefaultsTest.dot(a.get(i).vector(), a.get(i).vector()) * SafeDefaultsTest.dot(q.get(i).vector(), q.get(i).vector()));
                    worst = Math.min(worst, cos);
                    assertTrue(cos >= 0.995, b.id + ": int8 vector of text " + i + " at cosine " + cos + " to fp32");
                }
                double mrr32 = SafeDefaultsTest.titleToAbstractMrr(fp32, fp32.defaultPolicy(), docs, new ArrayList<>());
                double mrr8 = SafeDefaultsTest.titleToAbstractMrr(int8, int8.defaultPolicy(), docs, new ArrayList<>());
                assertTrue(mrr8 >= mrr32 - 0.02, b.id + ": title-to-abstract MRR@10 int8 " + mrr8 + " against fp32 " + mrr32);
                System.out.printf(java.util.Locale.ROOT, "%s: worst cosine int8 to fp32 %.5f, MRR@10 %.4f vs %.4f%n", b.id, worst, mrr8, mrr32);
            }
        }
    }
}
