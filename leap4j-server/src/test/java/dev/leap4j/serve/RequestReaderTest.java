package dev.leap4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.leap4j.load.BuiltinModel;
import dev.leap4j.load.Prompts;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestReaderTest {
    private final RequestReader reader = new RequestReader(8, 32, 12);

    private static JsonNode body(String json) {
        return RequestReader.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void promptNameIsAcceptedOnBothEndpoints() {
        EmbedRequest tei = reader.tei(body("{\"inputs\": [\"a\", \"b\"], \"prompt_name\": \"query\"}"));
        assertEquals("query", tei.promptName());
        assertEquals(List.of("a", "b"), tei.texts(), "the texts stay as sent; the prompt is put before them on admission");
        assertEquals("query", tei.withoutTexts().promptName());
        assertEquals("passage", reader.openAi(body("{\"input\": \"a\", \"prompt_name\": \"passage\"}")).promptName());
        assertNull(reader.tei(body("{\"inputs\": \"a\"}")).promptName());
        assertNull(reader.openAi(body("{\"input\": \"a\", \"prompt_name\": null}")).promptName());
    }

    @Test
    void depthIsAcceptedOnBothEndpointsWithinTheModelsLayers() {
        assertEquals(3, reader.tei(body("{\"inputs\": \"a\", \"depth\": 3}")).depth());
        assertEquals(12, reader.openAi(body("{\"input\": \"a\", \"depth\": 12}")).depth());
        assertNull(reader.openAi(body("{\"input\": \"a\"}")).depth());
        for (String d : List.of("0", "13", "2.5", "\"3\"", "99999999999")) {
            ApiException e = assertThrows(ApiException.class, () -> reader.openAi(body("{\"input\": \"a\", \"depth\": " + d + "}")), d);
            assertEquals(400, e.status);
            assertEquals("depth", e.param);
        }
        ApiException e = assertThrows(ApiException.class, () -> reader.tei(body("{\"inputs\": \"a\", \"depth\": 13}")));
        assertTrue(e.getMessage().contains("[1, 12]"), e.getMessage());
    }

    @Test
    void aPromptNameThatIsNotAStringIsA400NamingTheField() {
        for (String b : List.of("{\"inputs\": \"a\", \"prompt_name\": 1}", "{\"inputs\": \"a\", \"prompt_name\": [\"query\"]}")) {
            ApiException e = assertThrows(ApiException.class, () -> reader.tei(body(b)));
            assertEquals(400, e.status);
            assertEquals("prompt_name", e.param);
        }
        ApiException e = assertThrows(ApiException.class, () -> reader.openAi(body("{\"input\": \"a\", \"prompt_name\": true}")));
        assertEquals(400, e.status);
        assertEquals("prompt_name", e.param);
    }

    @Test
    void promptNamesResolveAgainstTheModelsPrompts() {
        Prompts e5 = BuiltinModel.E5_SMALL_V2.prompts();
        assertEquals("query: ", reader.tei(body("{\"inputs\": \"a\", \"prompt_name\": \"query\"}")).promptText(e5));
        assertEquals("passage: ", reader.openAi(body("{\"input\": \"a\", \"prompt_name\": \"passage\"}")).promptText(e5));
        assertEquals("", reader.tei(body("{\"inputs\": \"a\"}")).promptText(e5), "no name and no default prompt: no prompt");
        Prompts withDefault = new Prompts(Map.of("query", "q: "), "query");
        assertEquals("q: ", reader.tei(body("{\"inputs\": \"a\"}")).promptText(withDefault), "no name: the model's default, as TEI does");

        ApiException e = assertThrows(ApiException.class,
                () -> reader.tei(body("{\"inputs\": \"a\", \"prompt_name\": \"document\"}")).promptText(e5));
        assertEquals(400, e.status);
        assertEquals("prompt_name", e.param);
        assertTrue(e.getMessage().contains("\"document\"") && e.getMessage().contains("query, passage"), e.getMessage());
        e = assertThrows(ApiException.class, () -> reader.openAi(body("{\"input\": \"a\", \"prompt_name\": \"query\"}")).promptText(Prompts.NONE));
        assertEquals("prompt_name", e.param);
        assertTrue(e.getMessage().contains("defines none"), e.getMessage());
    }
}
