package com.example;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.EmbeddingStore;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import dev.leap4j.langchain4j.Leap4jEmbeddingModel;

import java.util.List;

public class Rag {
    public static void main(String[] args) {
        try (Leap4jEmbeddingModel model = Leap4jEmbeddingModel.builder()
                .model("e5-small-v2")          // a built-in name, or a model folder
                .build()) {                    // defaults: the model's own exit rule (stock models: full depth)
            EmbeddingStore<TextSegment> store = new InMemoryEmbeddingStore<>();
            List<TextSegment> segments = List.of(
                    TextSegment.from("Mitosis is how one cell divides into two identical daughter cells."),
                    TextSegment.from("The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris."),
                    TextSegment.from("The central bank raised interest rates by half a percentage point."));
            store.addAll(model.embedAll(segments).content(), segments);        // documents get e5's "passage: "
            var query = model.embed("where is the Eiffel Tower?");             // a query gets e5's "query: "
            List<EmbeddingMatch<TextSegment>> hits = store.search(EmbeddingSearchRequest.builder()
                    .queryEmbedding(query.content()).maxResults(1).build()).matches();
            System.out.println(hits.getFirst().embedded().text() + " (exit layers " + query.metadata().get(Leap4jEmbeddingModel.EXIT_LAYERS) + ")");
        }
    }
}
