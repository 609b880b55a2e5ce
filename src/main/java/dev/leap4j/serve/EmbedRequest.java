package dev.leap4j.serve;

import java.util.List;

/**
 * One validated embedding request, whichever API it came through.
 *
 * @param theta      exit threshold override, or null for the server's default
 * @param truncate   cut over-long texts (true) or refuse them (false); null for the server's default
 * @param normalize  L2-normalise the output (TEI's flag; the OpenAI endpoint returns the model's own output)
 * @param dimensions keep only the first n components (renormalised when the output is normalised), or null
 */
record EmbedRequest(List<String> texts, EncodingFormat encoding, Integer dimensions, Double theta, Boolean truncate, Normalize normalize) {
    enum EncodingFormat { FLOAT, BASE64 }

    /** The options alone, so a request waiting for the engine does not keep its texts alive. */
    EmbedRequest withoutTexts() {
        return new EmbedRequest(List.of(), encoding, dimensions, theta, truncate, normalize);
    }

    /** What the caller wants done about L2 normalisation. */
    enum Normalize {
        /** Whatever the model's pipeline does (its sentence-transformers Normalize module, or not). */
        MODEL,
        YES,
        NO
    }
}
