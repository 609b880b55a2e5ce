package dev.leap4j.eval;

import dev.leap4j.api.UsageException;
import dev.leap4j.tensor.Kernels;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.ByteBuffersDirectory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Top-k nearest documents by dot product of unit vectors (= cosine). Exact search scans every document and is
 * the reference; the HNSW index (Apache Lucene, in memory) is the approximate alternative for corpora where a
 * scan is too slow, and its results are compared against the exact ones.
 */
public final class VectorSearch {
    private VectorSearch() {}

    public enum Method { EXACT, HNSW }

    /** For each query, the indices of the k best documents, best first (ties: lower index first). */
    public static int[][] exact(float[][] docs, float[][] queries, int k) {
        if (k < 1) throw new UsageException("k must be >= 1, got " + k);
        int kk = Math.min(k, docs.length);
        int[][] out = new int[queries.length][];
        float[] scores = new float[docs.length];
        for (int q = 0; q < queries.length; q++) {
            for (int d = 0; d < docs.length; d++) scores[d] = Kernels.dot(queries[q], 0, docs[d], 0, queries[q].length);
            out[q] = topK(scores, kk);
        }
        return out;
    }

    /** Indices of the k largest scores, best first; a bounded min-heap, so O(n log k). */
    static int[] topK(float[] scores, int k) {
        int[] heap = new int[k];
        int size = 0;
        for (int i = 0; i < scores.length; i++) {
            if (size < k) {
                heap[size] = i;
                siftUp(heap, size++, scores);
            } else if (better(i, heap[0], scores)) {
                heap[0] = i;
                siftDown(heap, size, scores);
            }
        }
        Integer[] sorted = new Integer[size];
        for (int i = 0; i < size; i++) sorted[i] = heap[i];
        Arrays.sort(sorted, (a, b) -> better(a, b, scores) ? -1 : better(b, a, scores) ? 1 : 0);
        int[] r = new int[size];
        for (int i = 0; i < size; i++) r[i] = sorted[i];
        return r;
    }

    private static boolean better(int a, int b, float[] s) {
        return s[a] > s[b] || (s[a] == s[b] && a < b);
    }

    private static void siftUp(int[] h, int i, float[] s) {
        while (i > 0) {
            int p = (i - 1) / 2;
            if (!better(h[p], h[i], s)) break;
            int t = h[p]; h[p] = h[i]; h[i] = t;
            i = p;
        }
    }

    private static void siftDown(int[] h, int n, float[] s) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1, r = l + 1, w = i;
            if (l < n && better(h[w], h[l], s)) w = l;
            if (r < n && better(h[w], h[r], s)) w = r;
            if (w == i) return;
            int t = h[w]; h[w] = h[i]; h[i] = t;
            i = w;
        }
    }

    /** An in-memory Lucene HNSW index over unit vectors (Lucene's defaults: 16 neighbours, beam width 100). */
    public static final class Hnsw implements AutoCloseable {
        private final ByteBuffersDirectory dir = new ByteBuffersDirectory();
        private final DirectoryReader reader;
        private final IndexSearcher searcher;
        private final int[] ordOfDoc;

        public Hnsw(float[][] docs) {
            try {
                IndexWriterConfig cfg = new IndexWriterConfig().setRAMBufferSizeMB(512).setOpenMode(IndexWriterConfig.OpenMode.CREATE);
                try (IndexWriter w = new IndexWriter(dir, cfg)) {
                    for (int i = 0; i < docs.length; i++) {
                        Document d = new Document();
                        d.add(new KnnFloatVectorField("v", docs[i], VectorSimilarityFunction.DOT_PRODUCT));
                        d.add(new StoredField("ord", i));
                        w.addDocument(d);
                    }
                    w.commit();
                }
                reader = DirectoryReader.open(dir);
                searcher = new IndexSearcher(reader);
                // Map Lucene's doc ids back to corpus order once, instead of loading a stored field per hit.
                ordOfDoc = new int[reader.maxDoc()];
                var stored = reader.storedFields();
                for (int doc = 0; doc < reader.maxDoc(); doc++) ordOfDoc[doc] = stored.document(doc).getField("ord").numericValue().intValue();
            } catch (IOException e) {
                throw new UncheckedIOException("building the in-memory HNSW index failed", e);
            }
        }

        public int[][] search(float[][] queries, int k) {
            int[][] out = new int[queries.length][];
            try {
                for (int q = 0; q < queries.length; q++) {
                    TopDocs top = searcher.search(new KnnFloatVectorQuery("v", queries[q], k), k);
                    int[] r = new int[top.scoreDocs.length];
                    int i = 0;
                    for (ScoreDoc sd : top.scoreDocs) r[i++] = ordOfDoc[sd.doc];
                    out[q] = r;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("HNSW search failed", e);
            }
            return out;
        }

        @Override
        public void close() {
            try {
                reader.close();
                dir.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
