package dev.leap4j.api;

import java.util.List;
import java.util.Objects;

/**
 * The text put before every input of one run, as sentence-transformers does: prepended to the raw text before
 * tokenization, so its tokens count against the model's max length and take part in pooling.
 *
 * @param name the model prompt it came from, or null when the text was given directly (or there is none)
 * @param text the text to prepend; empty for no prompt
 */
public record Prompt(String name, String text) {
    public static final Prompt NONE = new Prompt(null, "");

    public Prompt {
        Objects.requireNonNull(text, "prompt text");
    }

    /** Text given as is, not taken from the model. */
    public static Prompt literal(String text) {
        return text.isEmpty() ? NONE : new Prompt(null, text);
    }

    public boolean isNone() {
        return text.isEmpty();
    }

    public String apply(String input) {
        return text.isEmpty() ? input : text + input;
    }

    public List<String> applyAll(List<String> inputs) {
        return text.isEmpty() ? inputs : inputs.stream().map(this::apply).toList();
    }

    /** For reports and logs: the text quoted, and where it came from. */
    public String describe() {
        if (text.isEmpty()) return name == null ? "none" : "none (the model's prompt '" + name + "' is empty)";
        String quoted = "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        return name == null ? quoted + " (given as text)" : quoted + " (the model's prompt '" + name + "')";
    }
}
