package dev.leap4j.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leap4j.api.ModelFormatException;
import dev.leap4j.api.UsageException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a tokenizer.json into a {@link WordPieceTokenizer} when its pipeline is one this package runs itself (BERT
 * normalization, the BERT pre-tokenizer, WordPiece, a single-sequence template), else says why not
 * ({@link Unsupported}), so that the caller can hand the file to the reference library. A file that is not a
 * tokenizer.json at all is a {@link ModelFormatException} naming it.
 */
final class TokenizerJson {
    private TokenizerJson() {
    }

    /** A pipeline component this package does not run; not a broken file. */
    static final class Unsupported extends Exception {
        Unsupported(String message) {
            super(message, null, false, false);
        }
    }

    static WordPieceTokenizer read(JsonNode root, Path file, int maxLength) throws Unsupported {
        if (!root.isObject() || !root.path("model").isObject()) throw broken(file, "no \"model\" object");
        JsonNode model = root.get("model");
        String type = model.path("type").asText("");
        if (!type.equals("WordPiece")) throw new Unsupported("tokenizer model '" + type + "'");
        WordPiece wordPiece = wordPiece(model, file);
        BertNormalizer normalizer = normalizer(root.path("normalizer"));
        JsonNode pre = root.path("pre_tokenizer");
        if (!pre.path("type").asText("").equals("BertPreTokenizer")) throw new Unsupported("pre-tokenizer " + describe(pre));
        List<WordPieceTokenizer.AddedToken> added = addedTokens(root.path("added_tokens"), wordPiece.vocab());
        WordPieceTokenizer.Template template = template(root.path("post_processor"), file);
        if (maxLength < template.specials()) {
            throw new UsageException("max length " + maxLength + " leaves no room beside the tokenizer's " + template.specials() + " special tokens");
        }
        return new WordPieceTokenizer(added, normalizer, wordPiece, template, maxLength);
    }

    private static WordPiece wordPiece(JsonNode model, Path file) {
        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject() || vocabNode.isEmpty()) throw broken(file, "the WordPiece model has no vocab");
        Map<String, Integer> vocab = new HashMap<>(vocabNode.size() * 2);
        for (var e : vocabNode.properties()) vocab.put(e.getKey(), id(e.getValue(), file, "vocab entry '" + e.getKey() + "'"));
        String unk = model.path("unk_token").asText("[UNK]");
        Integer unkId = vocab.get(unk);
        if (unkId == null) throw broken(file, "the unknown token '" + unk + "' is not in the vocab");
        String prefix = model.path("continuing_subword_prefix").asText("##");
        JsonNode max = model.path("max_input_chars_per_word");
        int maxChars = max.isMissingNode() || max.isNull() ? 100 : max.canConvertToInt() && max.asInt() >= 0 ? max.asInt() : -1;
        if (maxChars < 0) throw broken(file, "max_input_chars_per_word is " + max);
        return new WordPiece(Map.copyOf(vocab), unkId, prefix, maxChars);
    }

    private static BertNormalizer normalizer(JsonNode n) throws Unsupported {
        if (n.isMissingNode() || n.isNull()) return null;
        if (!n.path("type").asText("").equals("BertNormalizer")) throw new Unsupported("normalizer " + describe(n));
        boolean lowercase = n.path("lowercase").asBoolean(true);
        JsonNode strip = n.path("strip_accents");
        // the reference strips accents when lowercasing unless the file says otherwise
        boolean stripAccents = strip.isBoolean() ? strip.asBoolean() : lowercase;
        return new BertNormalizer(n.path("clean_text").asBoolean(true), n.path("handle_chinese_chars").asBoolean(true), stripAccents, lowercase);
    }

    /**
     * The added tokens with the ids the reference gives them, not the ids the file lists: a token in the vocabulary
     * keeps its vocabulary id, any other takes the next id after the vocabulary and the added tokens before it (the
     * reference warns where the file says otherwise, and goes by its own count).
     */
    private static List<WordPieceTokenizer.AddedToken> addedTokens(JsonNode list, Map<String, Integer> vocab) throws Unsupported {
        if (list.isMissingNode() || list.isNull()) return List.of();
        if (!list.isArray()) throw new Unsupported("added_tokens that are not a list");
        List<WordPieceTokenizer.AddedToken> out = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        int maxAdded = -1;
        for (JsonNode t : list) {
            String content = t.path("content").asText("");
            if (t.path("lstrip").asBoolean(false) || t.path("rstrip").asBoolean(false) || t.path("single_word").asBoolean(false)) {
                throw new Unsupported("added token '" + content + "' with lstrip, rstrip or single_word");
            }
            if (content.isEmpty()) continue; // matches nowhere in the reference either
            Integer id = ids.containsKey(content) ? ids.get(content) : vocab.get(content);
            if (id == null) id = maxAdded >= vocab.size() ? maxAdded + 1 : vocab.size();
            ids.put(content, id);
            maxAdded = Math.max(maxAdded, id);
            out.add(new WordPieceTokenizer.AddedToken(content, id, t.path("normalized").asBoolean(false)));
        }
        return out;
    }

    private static WordPieceTokenizer.Template template(JsonNode p, Path file) throws Unsupported {
        String type = p.path("type").asText("");
        if (p.isMissingNode() || p.isNull()) return new WordPieceTokenizer.Template(new int[0], new int[0], 0, new int[0], new int[0]);
        if (type.equals("BertProcessing")) {
            int cls = id(p.path("cls").path(1), file, "the cls token"), sep = id(p.path("sep").path(1), file, "the sep token");
            return new WordPieceTokenizer.Template(new int[]{cls}, new int[]{0}, 0, new int[]{sep}, new int[]{0});
        }
        if (!type.equals("TemplateProcessing")) throw new Unsupported("post-processor " + describe(p));
        List<Integer> headIds = new ArrayList<>(), headTypes = new ArrayList<>(), tailIds = new ArrayList<>(), tailTypes = new ArrayList<>();
        Integer sequenceType = null;
        for (JsonNode piece : p.path("single")) {
            if (piece.has("Sequence")) {
                if (sequenceType != null) throw new Unsupported("a single-sequence template with two sequences");
                sequenceType = typeId(piece.get("Sequence"), file);
                continue;
            }
            JsonNode special = piece.path("SpecialToken");
            String name = special.path("id").asText("");
            JsonNode ids = p.path("special_tokens").path(name).path("ids");
            if (!ids.isArray() || ids.isEmpty()) throw broken(file, "the template's special token '" + name + "' has no ids");
            for (JsonNode id : ids) {
                (sequenceType == null ? headIds : tailIds).add(id(id, file, "special token '" + name + "'"));
                (sequenceType == null ? headTypes : tailTypes).add(typeId(special, file));
            }
        }
        if (sequenceType == null) throw broken(file, "the post-processor's single template has no sequence");
        return new WordPieceTokenizer.Template(ints(headIds), ints(headTypes), sequenceType, ints(tailIds), ints(tailTypes));
    }

    private static int typeId(JsonNode n, Path file) {
        JsonNode t = n.path("type_id");
        if (t.isMissingNode()) return 0;
        if (!t.canConvertToInt() || t.asInt() < 0) throw broken(file, "a template type_id is " + t);
        return t.asInt();
    }

    private static int id(JsonNode n, Path file, String what) {
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0) throw broken(file, what + " has id " + n + ", not a non-negative integer");
        return n.asInt();
    }

    private static int[] ints(List<Integer> xs) {
        return xs.stream().mapToInt(Integer::intValue).toArray();
    }

    private static String describe(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? "none" : "'" + n.path("type").asText("?") + "'";
    }

    private static ModelFormatException broken(Path file, String what) {
        return new ModelFormatException(file + ": not a usable tokenizer.json: " + what);
    }
}
