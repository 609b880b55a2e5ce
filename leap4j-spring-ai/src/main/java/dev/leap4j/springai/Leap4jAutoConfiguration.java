package dev.leap4j.springai;

import dev.leap4j.api.Leap4j;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.api.Prompt;
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
            return Leap4j.load(properties.getModel(), properties.resolvedCacheDir(), properties.resolvedThreads(), properties.getWeights());
        } catch (dev.leap4j.api.ModelFormatException e) {
            throw new Leap4jConfigException(Leap4jProperties.PREFIX + ".model: cannot use the model: " + e.getMessage());
        } catch (dev.leap4j.api.UsageException e) {
            throw new Leap4jConfigException(Leap4jProperties.PREFIX + ".model: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model '" + properties.getModel() + "' ("
                    + Leap4jProperties.PREFIX + ".model, cache " + properties.resolvedCacheDir() + "): " + e.getMessage(), e);
        }
    }

    @Bean
    @ConditionalOnMissingBean(EmbeddingModel.class)
    public Leap4jEmbeddingModel leap4jEmbeddingModel(Leap4j leap4j, Leap4jProperties properties) {
        properties.validate();
        Prompt one = prompt(leap4j, properties);
        return new Leap4jEmbeddingModel(leap4j, policy(leap4j, properties), one != null ? one : leap4j.queryPrompt(),
                one != null ? one : leap4j.documentPrompt());
    }

    /** The model's default rule with the properties set in its place; out-of-range values name their property. */
    static ExitPolicy policy(Leap4j leap4j, Leap4jProperties p) {
        int L = leap4j.numLayers();
        if (p.getMinLayer() != null && p.getMinLayer() > L) {
            throw new Leap4jConfigException(Leap4jProperties.PREFIX + ".min-layer is " + p.getMinLayer() + " but " + leap4j.name() + " has " + L
                    + " layers: set it between 1 and " + L);
        }
        if (p.getDepth() != null && p.getDepth() > L) {
            throw new Leap4jConfigException(Leap4jProperties.PREFIX + ".depth is " + p.getDepth() + " but " + leap4j.name() + " has " + L
                    + " layers: set it between 1 and " + L + ", or leave it unset for full depth");
        }
        return leap4j.policy(p.getTheta(), p.getMinLayer(), p.getPatience(), p.getDepth());
    }

    /** The one prompt the properties name for queries and documents alike, or null for the model's query/document pair. */
    static Prompt prompt(Leap4j leap4j, Leap4jProperties p) {
        if (p.getPromptName() == null && p.getPromptText() == null) return null;
        try {
            return leap4j.prompt(p.getPromptName(), p.getPromptText());
        } catch (dev.leap4j.api.UsageException e) {
            throw new Leap4jConfigException(Leap4jProperties.PREFIX + ".prompt-name: " + e.getMessage() + "; "
                    + Leap4jProperties.PREFIX + ".prompt-text takes any text");
        }
    }
}
