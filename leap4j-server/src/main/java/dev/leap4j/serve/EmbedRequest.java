package dev.leap4j.serve;

import dev.leap4j.load.Prompts;

import java.util.List;

/**
 * One validated embedding request, whichever API it came through.
 *
 * @param theta      exit threshold override, or null for the server's default
 * @param depth      cap on the layers run (1..the model's depth), or null for the server's default
 * @param truncate   cut over-long texts (true) or refuse them (false); null for the server's default
 * @param normalize  L2-normalise the output (TEI's flag; the OpenAI endpoint returns the model's own output)
 * @param dimensions keep only the first n components (renormalised when the output is normalised), or null
 * @param promptName the model prompt to put before every text (TEI's prompt_name), or null for the model's default
 * @param shed       false keeps the request's own setting under load (it waits its turn); null or true allows shedding
 */
record EmbedRequest(List<String> texts, EncodingFormat encoding, Integer dimensions, Double theta, Integer depth, Boolean truncate, Normalize normalize,
                    String promptName, Boolean shed) {
    enum EncodingFormat { FLOAT, BASE64 }

    /** The options alone, so a request waiting for the engine does not keep its texts alive. */
    EmbedRequest withoutTexts() {
        return new EmbedRequest(List.of(), encoding, dimensions, theta, depth, truncate, normalize, promptName, shed);
    }

    /**
     * The text to put before every input: the named prompt, else the model's default prompt (TEI's and
     * sentence-transformers' rule), "" for none. An unknown name is the caller's mistake: 400 naming the field.
     */
    String promptText(Prompts prompts) {
        if (promptName == null) return prompts.defaultPrompt().text();
        String text = prompts.byName().get(promptName);
        if (text != null) return text;
        throw ApiException.badRequest("prompt_name", "'prompt_name' \"" + RequestReader.clip(promptName) + "\" is not a prompt of this model; "
                + (prompts.isEmpty() ? "it defines none (prepend the text yourself instead)" : "its prompts are: " + String.join(", ", prompts.byName().keySet())));
    }

    /** What the caller wants done about L2 normalisation. */
    enum Normalize {
        /** Whatever the model's pipeline does (its sentence-transformers Normalize module, or not). */
        MODEL,
        YES,
        NO
    }
}
