package dev.leap4j.api;

/**
 * The one rule for which texts can be embedded, shared by the CLI, the server, the library, the adapters and Spark.
 * A null, empty or blank text is refused rather than embedded: its vector is that of the special tokens (plus the
 * prompt) alone, which says nothing about the input yet ranks like any other vector in a search. A text with an
 * unpaired surrogate is not Unicode and has no UTF-8 form to tokenize. What each entry point does with a refusal
 * follows its own conventions: an exception (library, adapters), exit code 2 naming the line (CLI), a 400 naming the
 * input (server), the row's {@code error} column (Spark).
 */
public final class Texts {
    private Texts() {}

    /** Why text cannot be embedded ("is empty", ...), to follow the input's name; null when it can. */
    public static String refusal(String text) {
        if (text == null) return "is null: every input needs text to embed";
        if (text.isEmpty()) return "is empty: every input needs text to embed";
        if (text.isBlank()) return "is blank (only whitespace): every input needs text to embed";
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "contains an unpaired surrogate at char " + i + " (not valid Unicode)";
            }
        }
        return null;
    }
}
