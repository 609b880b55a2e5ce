package dev.leap4j.serve;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leap4j.api.Texts;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns a request body into an {@link EmbedRequest} or a 4xx naming what is wrong. The body is decoded as
 * strict UTF-8 first (a bad byte is an error with its offset, never a silent U+FFFD), then parsed as one
 * JSON value with duplicate keys and trailing content refused, then checked field by field. Unknown fields are
 * refused rather than ignored, so a misspelt option cannot silently fall back to a default.
 */
final class RequestReader {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final Set<String> OPENAI_FIELDS = Set.of("input", "model", "encoding_format", "dimensions", "user", "theta", "depth", "truncate", "prompt_name", "shed");
    private static final Set<String> TEI_FIELDS = Set.of("inputs", "normalize", "truncate", "truncation_direction", "prompt_name", "dimensions", "theta", "depth", "shed");

    private final int maxInputs;
    private final int dimension;
    private final int numLayers;

    RequestReader(int maxInputs, int dimension, int numLayers) {
        this.maxInputs = maxInputs;
        this.dimension = dimension;
        this.numLayers = numLayers;
    }

    /** The body as a JSON object. */
    static JsonNode parse(byte[] body) {
        String text = decodeUtf8(body);
        if (text.isBlank()) throw ApiException.badRequest(null, "the request body is empty; send a JSON object");
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : String.format(Locale.ROOT, " at line %d, column %d", at.getLineNr(), at.getColumnNr());
            throw ApiException.badRequest(null, "malformed JSON" + where + ": " + clip(e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            throw ApiException.badRequest(null, "the request body must be a JSON object, got " + kind(root));
        }
        return root;
    }

    /** OpenAI's POST /v1/embeddings, plus the theta, depth, truncate and prompt_name extensions. */
    EmbedRequest openAi(JsonNode root) {
        rejectUnknown(root, OPENAI_FIELDS);
        List<String> texts = texts(root, "input");
        optionalString(root, "model");
        optionalString(root, "user");
        EmbedRequest.EncodingFormat encoding = EmbedRequest.EncodingFormat.FLOAT;
        String format = optionalString(root, "encoding_format");
        if (format != null) {
            encoding = switch (format) {
                case "float" -> EmbedRequest.EncodingFormat.FLOAT;
                case "base64" -> EmbedRequest.EncodingFormat.BASE64;
                default -> throw ApiException.badRequest("encoding_format", "'encoding_format' must be \"float\" or \"base64\", got \"" + clip(format) + "\"");
            };
        }
        return new EmbedRequest(texts, encoding, dimensions(root), theta(root), depth(root), optionalBoolean(root, "truncate"), EmbedRequest.Normalize.MODEL,
                optionalString(root, "prompt_name"), optionalBoolean(root, "shed"));
    }

    /** Text Embeddings Inference's POST /embed, plus the theta and depth extensions. */
    EmbedRequest tei(JsonNode root) {
        rejectUnknown(root, TEI_FIELDS);
        List<String> texts = texts(root, "inputs");
        Boolean normalize = optionalBoolean(root, "normalize");
        String direction = optionalString(root, "truncation_direction");
        if (direction != null && !direction.equals("Right")) {
            throw ApiException.badRequest("truncation_direction", "'truncation_direction' must be \"Right\" (the only direction this server cuts), got \"" + clip(direction) + "\"");
        }
        return new EmbedRequest(texts, EmbedRequest.EncodingFormat.FLOAT, dimensions(root), theta(root), depth(root), optionalBoolean(root, "truncate"),
                normalize == null || normalize ? EmbedRequest.Normalize.YES : EmbedRequest.Normalize.NO, optionalString(root, "prompt_name"),
                optionalBoolean(root, "shed"));
    }

    private static void rejectUnknown(JsonNode root, Set<String> known) {
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw ApiException.badRequest(clip(f), "unknown field '" + clip(f) + "'; accepted fields: " + String.join(", ", new java.util.TreeSet<>(known)));
            }
        }
    }

    private List<String> texts(JsonNode root, String field) {
        JsonNode in = root.get(field);
        if (in == null || in.isNull()) throw ApiException.badRequest(field, "'" + field + "' is required: a string or an array of strings");
        List<String> out = new ArrayList<>();
        if (in.isTextual()) {
            out.add(checkText(in.textValue(), field));
            return out;
        }
        if (!in.isArray()) throw ApiException.badRequest(field, "'" + field + "' must be a string or an array of strings, got " + kind(in));
        if (in.isEmpty()) throw ApiException.badRequest(field, "'" + field + "' must not be an empty array");
        if (in.size() > maxInputs) {
            throw ApiException.tooLarge(field, "'" + field + "' has " + in.size() + " inputs; at most " + maxInputs + " per request");
        }
        for (int i = 0; i < in.size(); i++) {
            JsonNode e = in.get(i);
            String name = field + "[" + i + "]";
            if (e.isIntegralNumber() || (e.isArray() && !e.isEmpty() && e.get(0).isIntegralNumber())) {
                throw ApiException.badRequest(name, "'" + name + "' is a token id or token array; this server takes text only");
            }
            if (!e.isTextual()) throw ApiException.badRequest(name, "'" + name + "' must be a string, got " + kind(e));
            out.add(checkText(e.textValue(), name));
        }
        return out;
    }

    /**
     * The one rule every entry point applies ({@link Texts#refusal}): an empty or blank text, or one with an unpaired
     * UTF-16 surrogate (JSON escapes can spell one), is a 400 naming the input, on both endpoints.
     */
    private static String checkText(String s, String name) {
        String reason = Texts.refusal(s);
        if (reason != null) throw ApiException.badRequest(name, "'" + name + "' " + reason);
        return s;
    }

    private Integer dimensions(JsonNode root) {
        JsonNode d = root.get("dimensions");
        if (d == null || d.isNull()) return null;
        if (!d.isIntegralNumber()) throw ApiException.badRequest("dimensions", "'dimensions' must be an integer, got " + kind(d));
        if (!d.canConvertToInt() || d.intValue() < 1 || d.intValue() > dimension) {
            throw ApiException.badRequest("dimensions", "'dimensions' must be in [1, " + dimension + "] (the model's size), got " + clip(d.asText()));
        }
        return d.intValue();
    }

    private Integer depth(JsonNode root) {
        JsonNode d = root.get("depth");
        if (d == null || d.isNull()) return null;
        if (!d.isIntegralNumber()) throw ApiException.badRequest("depth", "'depth' must be an integer, got " + kind(d));
        if (!d.canConvertToInt() || d.intValue() < 1 || d.intValue() > numLayers) {
            throw ApiException.badRequest("depth", "'depth' must be in [1, " + numLayers + "] (the model's layers), got " + clip(d.asText()));
        }
        return d.intValue();
    }

    private static Double theta(JsonNode root) {
        JsonNode t = root.get("theta");
        if (t == null || t.isNull()) return null;
        if (!t.isNumber()) throw ApiException.badRequest("theta", "'theta' must be a number, got " + kind(t));
        double v = t.doubleValue();
        if (!(v > 0) || Double.isInfinite(v) || v > 2) {
            throw ApiException.badRequest("theta", "'theta' must be in (0, 2] (exit when cos(layer l, layer l-1) >= theta; above 1 = full depth), got " + clip(t.asText()));
        }
        return v;
    }

    private static String optionalString(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw ApiException.badRequest(field, "'" + field + "' must be a string, got " + kind(n));
        return n.textValue();
    }

    private static Boolean optionalBoolean(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isBoolean()) throw ApiException.badRequest(field, "'" + field + "' must be true or false, got " + kind(n));
        return n.booleanValue();
    }

    static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) return "nothing";
        return switch (n.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> n.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }

    /** Strict UTF-8; a leading byte-order mark is tolerated. */
    static String decodeUtf8(byte[] body) {
        int start = body.length >= 3 && (body[0] & 0xff) == 0xef && (body[1] & 0xff) == 0xbb && (body[2] & 0xff) == 0xbf ? 3 : 0;
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body, start, body.length - start);
        CharBuffer out = CharBuffer.allocate(body.length - start);
        CoderResult r = dec.decode(in, out, true);
        if (!r.isError()) r = dec.flush(out);
        if (r.isError()) throw ApiException.badRequest(null, "the request body is not valid UTF-8 (bad byte at offset " + in.position() + ")");
        return out.flip().toString();
    }

    /** Caller text echoed in a message: at most 120 chars, unpaired surrogates replaced (they are not writable as JSON). */
    static String clip(String s) {
        if (s == null) return "";
        String c = s.length() <= 120 ? s : s.substring(0, 120) + "...";
        StringBuilder b = new StringBuilder(c.length());
        for (int i = 0; i < c.length(); i++) {
            char ch = c.charAt(i);
            if (Character.isHighSurrogate(ch) && i + 1 < c.length() && Character.isLowSurrogate(c.charAt(i + 1))) {
                b.append(ch).append(c.charAt(++i));
            } else {
                b.append(Character.isSurrogate(ch) ? '\uFFFD' : ch);
            }
        }
        return b.toString();
    }
}
