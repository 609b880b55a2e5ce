package dev.leap4j.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.Embedding;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;

/**
 * Response bodies in each API's schema. Floats are written with Java's shortest round-trip form, so a
 * client that parses them as float32 gets the engine's exact bits; base64 is little-endian float32, as in
 * OpenAI's API. The exit layer rides along as an extension field (OpenAI) or a header (TEI, whose body is a
 * bare array).
 */
final class ResponseWriter {
    private static final JsonFactory FACTORY = new JsonFactory();

    private ResponseWriter() {}

    /**
     * The vector a request asked for: the engine's output, normalised or not as asked, cut to
     * {@code dimensions} and then renormalised if the output is a unit vector (as OpenAI does for shortened
     * embeddings). With no options the engine's array is returned untouched.
     */
    static float[] vector(Embedding e, EmbedRequest req, boolean modelNormalizes) {
        float[] v = e.vector();
        boolean unit = switch (req.normalize()) {
            case MODEL -> modelNormalizes;
            case YES -> true;
            case NO -> false;
        };
        if (req.normalize() == EmbedRequest.Normalize.YES && !modelNormalizes) {
            v = v.clone();
            EarlyExitEncoder.normalize(v);
        }
        if (req.dimensions() != null && req.dimensions() < v.length) {
            v = java.util.Arrays.copyOf(v, req.dimensions());
            if (unit) EarlyExitEncoder.normalize(v);
        }
        return v;
    }

    static byte[] openAi(List<BatchScheduler.Served> results, List<float[]> vectors, EmbedRequest.EncodingFormat encoding, String model, int numLayers) {
        return write(g -> {
            int tokens = 0;
            g.writeStartObject();
            g.writeStringField("object", "list");
            g.writeArrayFieldStart("data");
            for (int i = 0; i < results.size(); i++) {
                Embedding e = results.get(i).embedding();
                tokens += e.tokens();
                g.writeStartObject();
                g.writeStringField("object", "embedding");
                g.writeNumberField("index", i);
                g.writeFieldName("embedding");
                if (encoding == EmbedRequest.EncodingFormat.BASE64) g.writeString(base64(vectors.get(i)));
                else writeFloats(g, vectors.get(i));
                g.writeNumberField("exit_layer", e.exitLayer());
                g.writeBooleanField("truncated", e.truncated());
                g.writeBooleanField("shed", results.get(i).shed());
                g.writeNumberField("served_depth", results.get(i).served().lastLayer(numLayers));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("model", model);
            g.writeObjectFieldStart("usage");
            g.writeNumberField("prompt_tokens", tokens);
            g.writeNumberField("total_tokens", tokens);
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    static byte[] tei(List<float[]> vectors) {
        return write(g -> {
            g.writeStartArray();
            for (float[] v : vectors) writeFloats(g, v);
            g.writeEndArray();
        });
    }

    /** OpenAI's error object: {"error": {"message", "type", "param", "code"}}. */
    static byte[] openAiError(ApiException e) {
        String type = switch (e.status) {
            case 429 -> "rate_limit_error";
            case 401 -> "authentication_error";
            case 503 -> "service_unavailable";
            case 500 -> "server_error";
            default -> "invalid_request_error";
        };
        return write(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("message", e.getMessage());
            g.writeStringField("type", type);
            if (e.param == null) g.writeNullField("param"); else g.writeStringField("param", e.param);
            switch (e.status) {
                case 429 -> g.writeStringField("code", "rate_limit_exceeded");
                case 401 -> g.writeStringField("code", "invalid_api_key");
                default -> g.writeNullField("code");
            }
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    /** TEI's error object: {"error", "error_type"}. */
    static byte[] teiError(ApiException e) {
        String type = switch (e.status) {
            case 429 -> "overloaded";
            case 401 -> "unauthorized";
            case 503 -> "unhealthy";
            case 500 -> "backend";
            default -> "validation";
        };
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("error", e.getMessage());
            g.writeStringField("error_type", type);
            g.writeEndObject();
        });
    }

    static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return Base64.getEncoder().encodeToString(b.array());
    }

    private static void writeFloats(JsonGenerator g, float[] v) throws IOException {
        g.writeStartArray();
        for (float f : v) g.writeNumber(f);
        g.writeEndArray();
    }

    @FunctionalInterface
    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    static byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
