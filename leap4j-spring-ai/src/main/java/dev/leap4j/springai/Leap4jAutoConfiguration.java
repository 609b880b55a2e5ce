package dev.leap4j.springai;

import dev.leap4j.api.Leap4j;
import dev.leap4j.exit.ExitPolicy;
import dev.leap4j.model.Prompt;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A {@link Leap4j} engine and a Spring AI {@link EmbeddingModel} on it, from {@code leap4j.*} properties. Either
 * bean backs off when the application defines its own; the engine created here is closed with the context.
 */
@AutoConfiguration
@EnableConfigurationProperties(Leap4jProperties.class)
public class Leap4jAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Leap4j leap4j(Leap4jProperties properties) {
        properties.validate();
        try {
            return Leap4j.load(properties.getModel(), properties.resolvedCacheDir(), properties.resolvedThreads());
        } catch (IllegalArgumentException e) {
            // not chained: the innermost cause is the line Spring shows last, and it must name the property
            throw new IllegalArgumentException(Leap4jProperties.PREFIX + ".model: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model '" + properties.getModel() + "' ("
                    + Leap4jProperties.PREFIX + ".model, cache " + properties.resolvedCacheDir() + "): " + e.getMessage(), e);
        }
    }

    @Bean
    @ConditionalOnMissingBean(EmbeddingModel.class)
    public Leap4jEmbeddingModel leap4jEmbeddingModel(Leap4j leap4j, Leap4jProperties properties) {
        properties.validate();
        return new Leap4jEmbeddingModel(leap4j, policy(leap4j, properties), prompt(leap4j, properties));
    }

    static ExitPolicy policy(Leap4j leap4j, Leap4jProperties p) {
        ExitPolicy d = leap4j.defaultPolicy();
        int minLayer = p.getMinLayer() != null ? p.getMinLayer() : d.minLayer();
        if (minLayer > leap4j.numLayers()) {
            throw new IllegalArgumentException(Leap4jProperties.PREFIX + ".min-layer is " + minLayer + " but "
                    + leap4j.name() + " has " + leap4j.numLayers() + " layers: set it between 1 and " + leap4j.numLayers());
        }
        return new ExitPolicy(p.getTheta(), minLayer, p.getPatience());
    }

    /** As {@code leap4j embed}: the text given, else the prompt named, else the model's default prompt (or none). */
    static Prompt prompt(Leap4j leap4j, Leap4jProperties p) {
        try {
            return leap4j.prompts().choose(p.getPromptName(), p.getPromptText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(Leap4jProperties.PREFIX + ".prompt-name: " + e.getMessage() + "; "
                    + Leap4jProperties.PREFIX + ".prompt-text takes any text");
        }
    }
}
