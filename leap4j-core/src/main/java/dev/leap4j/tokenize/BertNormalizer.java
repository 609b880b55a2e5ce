package dev.leap4j.tokenize;

import java.text.Normalizer;

/**
 * Hugging Face's {@code BertNormalizer}: drop control characters and map whitespace to a space, put spaces around
 * CJK ideographs, strip accents (NFD, then drop non-spacing marks), lowercase; each step on when tokenizer.json says.
 * Character classes follow the reference implementation's tables, which predate the JDK's Unicode version: see
 * {@link ReferenceUnicode}.
 */
record BertNormalizer(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase) {

    /** The text a BERT tokenizer splits into words. */
    String normalize(CharSequence text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); ) {
            int c = Character.codePointAt(text, i);
            i += Character.charCount(c);
            if (cleanText) {
                if (c == 0 || c == 0xFFFD || isControl(c)) continue;
                if (ReferenceUnicode.isWhiteSpace(c)) c = ' ';
            }
            if (handleChineseChars && isChinese(c)) {
                out.append(' ').appendCodePoint(c).append(' ');
            } else {
                out.appendCodePoint(c);
            }
        }
        String s = out.toString();
        if (stripAccents) s = stripAccents(s);
        if (lowercase) s = lowercase(s);
        return s;
    }

    private static String stripAccents(String s) {
        if (isAscii(s)) return s; // NFD leaves ASCII alone and ASCII has no marks: the common case costs one scan
        String d = Normalizer.normalize(s, Normalizer.Form.NFD);
        StringBuilder out = new StringBuilder(d.length());
        for (int i = 0; i < d.length(); ) {
            int c = d.codePointAt(i);
            i += Character.charCount(c);
            if (!ReferenceUnicode.isNonSpacingMark(c)) out.appendCodePoint(c);
        }
        return out.toString();
    }

    /**
     * Each character lowercased on its own, as the reference does: no context rules (a final capital sigma becomes
     * σ, not ς, unlike {@link String#toLowerCase}), and U+0130 becomes "i" and a combining dot, its only
     * unconditional lowercase longer than one character.
     */
    private static String lowercase(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c == 0x130) out.append("i\u0307");
            else out.appendCodePoint(Character.toLowerCase(c));
        }
        return out.toString();
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x80) return false;
        return true;
    }

    /** Tab, newline and carriage return count as whitespace here, not as control characters. */
    static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') return false;
        return ReferenceUnicode.isOther(c);
    }

    /** The CJK Unified Ideographs blocks the reference pads with spaces (not Hangul, Hiragana or Katakana). */
    static boolean isChinese(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
