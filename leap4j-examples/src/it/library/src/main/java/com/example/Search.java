package com.example;

import dev.leap4j.api.Embedding;
import dev.leap4j.api.Leap4j;

import java.io.IOException;
import java.util.List;

public class Search {
    public static void main(String[] args) throws IOException {
        List<String> docs = List.of(
                "Mitosis is how one cell divides into two identical daughter cells.",
                "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris.",
                "The central bank raised interest rates by half a percentage point.");
        try (Leap4j model = Leap4j.load("e5-small-v2")) {      // a built-in name, or a model folder
            // e5 expects "passage: " before documents and "query: " before queries; the model knows its prompts
            List<Embedding> index = model.embed(docs.stream().map(model.documentPrompt()::apply).toList());
            Embedding query = model.embed(List.of(model.queryPrompt().apply("where is the Eiffel Tower?"))).getFirst();
            int best = 0;
            for (int i = 1; i < docs.size(); i++) {
                if (dot(query.vector(), index.get(i).vector()) > dot(query.vector(), index.get(best).vector())) best = i;
            }
            // a stock model runs every layer by default: exitLayer() is 12 of 12 here
            System.out.println(docs.get(best) + " (query ran " + query.exitLayer() + " of " + model.numLayers() + " layers)");
        }
    }

    static double dot(float[] a, float[] b) {   // the vectors are L2-normalised: the dot product is the cosine
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
