package dev.leap4j.springai;

import dev.leap4j.api.Leap4j;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.NestedExceptionUtils;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The auto-configuration as an application gets it: properties in, an EmbeddingModel out, equal to `leap4j embed`. */
class Leap4jAutoConfigurationTest {
    static final List<String> TEXTS = List.of(
            "A man is playing a guitar.",
            "ok",
            "Stock markets fell sharply on Tuesday after the central bank raised interest rates by half a percentage point.",
            "The cat sat on the mat.",
            "How do cells divide?",
            "Mitosis is the process by which a single cell divides into two identical daughter cells.",
            "river bank",
            "I deposited my salary at the bank this morning.",
            "The quick brown fox jumps over the lazy dog.",
            "Early exit lets simple inputs stop before the last layer of the encoder.",
            "yes",
            "Photosynthesis converts light energy into chemical energy stored in glucose.",
            "What is the capital of France?",
            "Paris is the capital and most populous city of France.",
            "She bought three apples, two pears and a melon at the market.",
            "Neural networks learn representations from data.",
            "The train to Berlin leaves at half past nine from platform four.",
            "hello world",
            "A child is riding a horse on the beach at sunset.",
            "Vaccines train the immune system to recognise a pathogen without causing the disease.");

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(Leap4jAutoConfiguration.class))
            .withPropertyValues(EmbedCommandOracle.cacheProperty());

    @Test
    void injectedModelEmbedsExactlyAsTheEmbedCommand(@TempDir Path tmp) throws Exception {
        List<EmbedCommandOracle.Line> want = EmbedCommandOracle.embed(tmp, "all-minilm-l6-v2", TEXTS,
                "--theta", "0.9", "--threads", "2");
        runner.withPropertyValues("leap4j.model=all-minilm-l6-v2", "leap4j.theta=0.9", "leap4j.threads=2").run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(EmbeddingModel.class).hasSingleBean(Leap4j.class);
            EmbeddingModel model = ctx.getBean(EmbeddingModel.class);
            assertThat(model).isInstanceOf(Leap4jEmbeddingModel.class);
            assertEquals(384, model.dimensions());

            EmbeddingResponse response = model.call(new EmbeddingRequest(TEXTS, null));
            assertEquals(TEXTS.size(), response.getResults().size());
            List<Integer> exitLayers = response.getMetadata().get(Leap4jEmbeddingModel.EXIT_LAYERS);
            for (int i = 0; i < TEXTS.size(); i++) {
                assertEquals(i, (int) response.getResults().get(i).getIndex());
                assertArrayEquals(want.get(i).embedding(), response.getResults().get(i).getOutput(), "input " + i + ": " + TEXTS.get(i));
                assertEquals(want.get(i).exitLayer(), (int) exitLayers.get(i), "exit layer of input " + i);
            }
            assertThat(exitLayers).as("theta 0.9 lets some inputs stop early, so the exit path is what is compared")
                    .anyMatch(l -> l < 6);
            assertThat(response.getMetadata().getModel()).isEqualTo(ctx.getBean(Leap4j.class).name());

            // Spring AI's other entry points end in the same vectors
            assertArrayEquals(want.get(3).embedding(), model.embed(TEXTS.get(3)));
            assertArrayEquals(want.get(5).embedding(), model.embed(new Document(TEXTS.get(5))));
            assertArrayEquals(want.get(7).embedding(), model.embed(TEXTS).get(7));

            // the engine created here is closed with the context
            assertEquals("close", ctx.getBeanFactory().getBeanDefinition("leap4j").getDestroyMethodName());
        });
    }

    @Test
    void aNamedModelPromptGoesBeforeEveryInputAsInTheEmbedCommand(@TempDir Path tmp) throws Exception {
        List<String> texts = TEXTS.subList(0, 4);
        List<EmbedCommandOracle.Line> want = EmbedCommandOracle.embed(tmp, "e5-small-v2", texts,
                "--prompt", "passage", "--threads", "2");
        List<EmbedCommandOracle.Line> bare = EmbedCommandOracle.embed(tmp, "e5-small-v2", texts, "--threads", "2");
        runner.withPropertyValues("leap4j.model=e5-small-v2", "leap4j.prompt-name=passage", "leap4j.threads=2").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            List<float[]> got = ctx.getBean(EmbeddingModel.class).embed(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(want.get(i).embedding(), got.get(i), "input " + i);
                assertThat(got.get(i)).as("the prompt changes the vector").isNotEqualTo(bare.get(i).embedding());
            }
        });
    }

    @Test
    void anApplicationsOwnEmbeddingModelWins() {
        EmbeddingModel mine = new FixedEmbeddingModel();
        runner.withPropertyValues("leap4j.threads=1")
                .withBean("myEmbeddingModel", EmbeddingModel.class, () -> mine)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(EmbeddingModel.class).doesNotHaveBean(Leap4jEmbeddingModel.class);
                    assertThat(ctx.getBean(EmbeddingModel.class)).isSameAs(mine);
                });
    }

    @Test
    void anApplicationsOwnEngineIsTheOneWrapped() throws Exception {
        try (Leap4j mine = Leap4j.load("all-minilm-l6-v2", cacheDir(), 1)) {
            runner.withBean(Leap4j.class, () -> mine, bd -> bd.setDestroyMethodName(""))
                    .withPropertyValues("leap4j.model=no-such-model") // unused: the engine given is taken as is
                    .run(ctx -> {
                        assertThat(ctx).hasNotFailed().hasSingleBean(Leap4j.class);
                        assertThat(ctx.getBean(Leap4j.class)).isSameAs(mine);
                        assertArrayEquals(mine.embed(List.of("a river bank"), mine.defaultPolicy()).getFirst().vector(),
                                ctx.getBean(EmbeddingModel.class).embed("a river bank"));
                    });
            assertEquals(384, mine.embed("still open after the context closed").length);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "leap4j.theta=0                | leap4j.theta must be > 0",
            "leap4j.theta=-0.5             | leap4j.theta must be > 0",
            "leap4j.threads=0              | leap4j.threads must be >= 1",
            "leap4j.min-layer=0            | leap4j.min-layer must be >= 1",
            "leap4j.min-layer=9            | leap4j.min-layer is 9 but all-minilm-l6-v2 has 6 layers",
            "leap4j.patience=0             | leap4j.patience must be >= 1",
            "leap4j.depth=0                | leap4j.depth must be >= 1",
            "leap4j.depth=7                | leap4j.depth is 7 but all-minilm-l6-v2 has 6 layers: set it between 1 and 6",
            "leap4j.model=no-such-model    | leap4j.model: unknown model 'no-such-model'",
            "leap4j.prompt-name=query      | leap4j.prompt-name: unknown prompt 'query': this model defines no prompts",
    })
    void aBadPropertyFailsTheContextWithOneActionableLine(String property, String message) {
        runner.withPropertyValues("leap4j.threads=1", property).run(ctx -> {
            assertThat(ctx).hasFailed();
            Throwable cause = NestedExceptionUtils.getMostSpecificCause(ctx.getStartupFailure());
            assertThat(cause).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
            assertThat(cause.getMessage()).doesNotContain("\n");
            // what Spring Boot prints at start-up: the analyzer's one line, not the chain of bean-creation failures
            var analysis = new Leap4jFailureAnalyzer().analyze(ctx.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).isEqualTo(cause.getMessage());
        });
    }

    @Test
    void theFailureAnalyzerIsRegisteredWithSpringBoot() throws Exception {
        // the names Spring Boot's FailureAnalyzers reads (instantiating them all here would need a bean factory)
        List<String> registered = new java.util.ArrayList<>();
        var files = getClass().getClassLoader().getResources("META-INF/spring.factories");
        while (files.hasMoreElements()) {
            try (var in = files.nextElement().openStream()) {
                var p = new java.util.Properties();
                p.load(in);
                String v = p.getProperty(org.springframework.boot.diagnostics.FailureAnalyzer.class.getName());
                if (v != null) for (String name : v.split(",")) registered.add(name.strip());
            }
        }
        assertThat(registered).contains(Leap4jFailureAnalyzer.class.getName());
    }

    @Test
    void configurationMetadataDocumentsEveryProperty() throws Exception {
        var in = getClass().getClassLoader().getResourceAsStream("META-INF/spring-configuration-metadata.json");
        assertThat(in).as("generated by spring-boot-configuration-processor").isNotNull();
        var names = new java.util.HashMap<String, String>();
        for (var p : new com.fasterxml.jackson.databind.ObjectMapper().readTree(in).get("properties")) {
            names.put(p.get("name").asText(), p.path("description").asText(""));
        }
        for (String property : List.of("model", "theta", "min-layer", "patience", "depth", "weights", "threads", "cache-dir", "prompt-name", "prompt-text")) {
            assertThat(names).containsKey("leap4j." + property);
            assertThat(names.get("leap4j." + property)).as(property).isNotBlank();
        }
    }

    @Test
    void int8WeightsAreOneProperty() {
        runner.withPropertyValues("leap4j.model=all-minilm-l6-v2", "leap4j.threads=2", "leap4j.weights=int8").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(dev.leap4j.api.Leap4j.class).weightFormat()).isEqualTo(dev.leap4j.api.WeightFormat.INT8);
        });
        runner.withPropertyValues("leap4j.model=all-minilm-l6-v2", "leap4j.weights=int4").run(ctx -> assertThat(ctx).hasFailed());
    }

    @Test
    void aStockModelRunsAtFullDepthWithItsQueryAndDocumentPrompts() {
        runner.withPropertyValues("leap4j.model=e5-small-v2", "leap4j.threads=2").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            Leap4jEmbeddingModel model = ctx.getBean(Leap4jEmbeddingModel.class);
            assertThat(model.policy().monitors()).as("no calibration: full depth").isFalse();
            assertThat(model.queryPrompt().text()).isEqualTo("query: ");
            assertThat(model.documentPrompt().text()).isEqualTo("passage: ");
            List<Integer> layers = model.call(new org.springframework.ai.embedding.EmbeddingRequest(TEXTS.subList(0, 3), null))
                    .getMetadata().get(Leap4jEmbeddingModel.EXIT_LAYERS);
            assertThat(layers).containsExactly(12, 12, 12);
        });
    }

    @Test
    void aPromptNameAndPromptTextTogetherAreRefused() {
        runner.withPropertyValues("leap4j.threads=1", "leap4j.prompt-name=query", "leap4j.prompt-text=query: ").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(NestedExceptionUtils.getMostSpecificCause(ctx.getStartupFailure()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("leap4j.prompt-name and leap4j.prompt-text exclude each other");
        });
    }

    static Path cacheDir() {
        String env = System.getenv("LEAP4J_CACHE");
        return env == null || env.isBlank() ? Path.of(System.getProperty("user.home"), ".cache", "leap4j", "models") : Path.of(env);
    }

    /** An application's own model: the auto-configuration must leave it alone. */
    static final class FixedEmbeddingModel implements EmbeddingModel {
        @Override
        public EmbeddingResponse call(EmbeddingRequest request) {
            return new EmbeddingResponse(request.getInstructions().stream()
                    .map(t -> new org.springframework.ai.embedding.Embedding(new float[]{1, 0}, 0)).toList());
        }

        @Override
        public float[] embed(Document document) {
            return new float[]{1, 0};
        }
    }
}
