package com.example;

import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.vectorstore.SearchRequest;
import org.springframework.ai.vectorstore.SimpleVectorStore;
import org.springframework.ai.vectorstore.VectorStore;
import org.springframework.stereotype.Service;

import java.util.List;

// application.properties: leap4j.model=e5-small-v2 (nothing else: the model's own exit rule, full depth for a
// stock model; documents get e5's "passage: ", queries its "query: ")
@Service
public class Search {
    private final VectorStore store;

    public Search(EmbeddingModel embeddings) {                       // Leap4jEmbeddingModel, auto-configured
        this.store = SimpleVectorStore.builder(embeddings).build();
    }

    public void index(List<String> texts) {
        store.add(texts.stream().map(Document::new).toList());
    }

    public List<Document> find(String q) {
        return store.similaritySearch(SearchRequest.builder().query(q).topK(5).build());
    }
}
