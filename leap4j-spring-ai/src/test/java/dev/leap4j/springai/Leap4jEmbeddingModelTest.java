package dev.leap4j.springai;

import dev.leap4j.api.Leap4j;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.api.Prompt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.EmbeddingOptions;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The model class on its own, against the core library it wraps. */
class Leap4jEmbeddingModelTest {
    static Leap4j leap4j;
    static ExitPolicy policy;

    @BeforeAll
    static void load() throws Exception {
        leap4j = Leap4j.load("all-minilm-l6-v2", Leap4jAutoConfigurationTest.cacheDir(), 2);
        policy = leap4j.defaultPolicy().withTheta(0.9);
    }

    @AfterAll
    static void close() {
        leap4j.close();
    }

    @Test
    void resultsAreTheLibrarysInInputOrderWithTheirExitLayers() {
        List<String> texts = Leap4jAutoConfigurationTest.TEXTS;
        var want = leap4j.embed(texts, policy);
        EmbeddingResponse got = new Leap4jEmbeddingModel(leap4j, policy).call(new EmbeddingRequest(texts, EmbeddingOptions.builder().build()));
        List<Integer> exitLayers = got.getMetadata().get(Leap4jEmbeddingModel.EXIT_LAYERS);
        int tokens = 0;
        for (int i = 0; i < texts.size(); i++) {
            assertEquals(i, (int) got.getResults().get(i).getIndex());
            assertArrayEquals(want.get(i).vector(), got.getResults().get(i).getOutput(), "input " + i);
            assertEquals(want.get(i).exitLayer(), (int) exitLayers.get(i), "input " + i);
            tokens += want.get(i).tokens();
        }
        assertEquals(tokens, (int) got.getMetadata().getUsage().getPromptTokens());
    }

    @Test
    void dimensionsAndDepthComeFromTheModel() {
        var model = new Leap4jEmbeddingModel(leap4j);
        assertEquals(384, model.dimensions());
        assertEquals(6, model.numLayers());
        assertEquals(leap4j.defaultPolicy(), model.policy());
        assertThat(model.queryPrompt().isNone()).as("all-MiniLM has no prompts").isTrue();
        assertThat(model.documentPrompt().isNone()).isTrue();
        assertThat(model.policy().monitors()).as("a stock model runs at full depth by default").isFalse();
    }

    @Test
    void aDocumentIsEmbeddedByItsText() {
        var model = new Leap4jEmbeddingModel(leap4j, policy);
        String text = "Vaccines train the immune system.";
        assertArrayEquals(leap4j.embed(List.of(text), policy).getFirst().vector(), model.embed(new Document("doc-1", text, java.util.Map.of())));
        assertThatThrownBy(() -> model.embed(new Document("doc-2", " ", java.util.Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("document doc-2 has no text to embed");
    }

    @Test
    void documentsGetTheDocumentPromptAndQueriesTheQueryPrompt() {
        var model = new Leap4jEmbeddingModel(leap4j, policy, Prompt.literal("question: "), Prompt.literal("topic: "));
        List<String> texts = List.of("a river bank", "interest rates");
        var want = leap4j.embed(List.of("topic: a river bank", "topic: interest rates"), policy);
        List<float[]> got = model.embed(texts);
        for (int i = 0; i < texts.size(); i++) assertArrayEquals(want.get(i).vector(), got.get(i));
        assertArrayEquals(want.get(0).vector(), model.embed(new Document("d", "a river bank", java.util.Map.of())));
        assertThat(got.get(0)).isNotEqualTo(leap4j.embed(List.of("a river bank"), policy).getFirst().vector());
        assertArrayEquals(leap4j.embed(List.of("question: a river bank"), policy).getFirst().vector(), model.embed("a river bank"),
                "embed(String) is a vector store's query path");
    }

    @Test
    void aNullOrBlankInputIsOneLineNamingItsIndex() {
        var model = new Leap4jEmbeddingModel(leap4j, policy, Prompt.literal("topic: "), Prompt.literal("topic: "));
        assertThatThrownBy(() -> model.embed(Arrays.asList("ok", "fine", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("input 2 is null: every input needs text to embed");
        assertThatThrownBy(() -> model.embed(List.of("ok", " \t")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("input 1 is blank (only whitespace): every input needs text to embed");
    }

    @Test
    void anotherDimensionCannotBeAskedFor() {
        var model = new Leap4jEmbeddingModel(leap4j, policy);
        var options = EmbeddingOptions.builder().dimensions(256).build();
        assertThatThrownBy(() -> model.call(new EmbeddingRequest(List.of("ok"), options)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dimensions 256 requested, but all-minilm-l6-v2 embeds into 384: leave the dimensions option unset");
        var same = EmbeddingOptions.builder().dimensions(384).model("anything").build();
        assertEquals(384, model.call(new EmbeddingRequest(List.of("ok"), same)).getResult().getOutput().length);
    }

    @Test
    void aPolicyDeeperThanTheModelIsRefused() {
        assertThatThrownBy(() -> new Leap4jEmbeddingModel(leap4j, new ExitPolicy(0.9, 7, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("min layer 7 exceeds the model's 6 layers");
    }
}
