package dev.leap4j.springai;

import org.junit.jupiter.api.Test;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.vectorstore.SearchRequest;
import org.springframework.ai.vectorstore.SimpleVectorStore;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A retrieval round trip through Spring AI's own vector store on the auto-configured model. */
class RetrievalTest {
    static final List<String> DOCUMENTS = List.of(
            "The Eiffel Tower is a wrought-iron lattice tower in Paris, France.",
            "Photosynthesis lets plants turn sunlight, water and carbon dioxide into sugar and oxygen.",
            "The central bank raised interest rates to slow down inflation.",
            "A balanced diet includes fruit, vegetables, whole grains and protein.",
            "The football match ended in a draw after extra time.",
            "Python is a popular programming language for data science.",
            "Mount Everest is the highest mountain above sea level.",
            "Regular exercise strengthens the heart and improves sleep.",
            "The violinist performed a concerto with the symphony orchestra.",
            "Volcanic eruptions can release ash clouds that disrupt air travel.");

    @Test
    void aParaphraseFindsItsDocumentFirst() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(Leap4jAutoConfiguration.class))
                .withPropertyValues(EmbedCommandOracle.cacheProperty())
                .withPropertyValues("leap4j.model=all-minilm-l6-v2", "leap4j.threads=2")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    SimpleVectorStore store = SimpleVectorStore.builder(ctx.getBean(EmbeddingModel.class)).build();
                    List<Document> docs = new ArrayList<>();
                    for (int i = 0; i < DOCUMENTS.size(); i++) docs.add(new Document("doc-" + i, DOCUMENTS.get(i), Map.of()));
                    store.add(docs);
                    assertThat(firstHit(store, "How do green plants make food from light?")).isEqualTo("doc-1");
                    assertThat(firstHit(store, "Which peak is the tallest in the world?")).isEqualTo("doc-6");
                    assertThat(firstHit(store, "Why did borrowing costs go up?")).isEqualTo("doc-2");
                });
    }

    static String firstHit(SimpleVectorStore store, String query) {
        List<Document> hits = store.similaritySearch(SearchRequest.builder().query(query).topK(3).build());
        assertThat(hits).as(query).isNotEmpty();
        return hits.getFirst().getId();
    }
}
