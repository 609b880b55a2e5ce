package dev.leap4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InspectCommandTest {
    @TempDir
    Path tmp;

    @Test
    void reportsTheThreeDiagnosticsAsTableAndJson() throws Exception {
        Path in = tmp.resolve("in.txt");
        Files.write(in, List.of("A man is playing a guitar.", "A woman is slicing an onion.", "The stock market fell sharply.",
                "Two dogs run through a field.", "東京は日本の首都です。"), StandardCharsets.UTF_8);
        Path json = tmp.resolve("diag.json");
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute("inspect", "--model", "all-minilm-l6-v2", "--input", in.toString(), "--json", json.toString(),
                "--thetas", "0.5,0.95", "--threads", "1");
        assertEquals(0, code, err.toString());
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals(5, root.get("inputs").asInt());
        JsonNode layers = root.get("layers");
        assertEquals(6, layers.size());
        assertTrue(layers.get(0).get("cos_to_previous").isNull());
        assertEquals(1.0, layers.get(5).get("cos_to_final").asDouble(), 1e-6);
        for (JsonNode l : layers) assertTrue(l.get("cos_to_final").asDouble() <= 1.0 + 1e-6);
        JsonNode th = root.get("thresholds");
        assertEquals(2, th.size());
        double earlyLow = th.get(0).get("early_exit_rate").asDouble(), earlyHigh = th.get(1).get("early_exit_rate").asDouble();
        assertTrue(earlyLow >= earlyHigh, "a lower theta never exits fewer inputs");
        for (JsonNode t : th) {
            double sum = 0;
            for (JsonNode v : t.get("exit_share_by_layer")) sum += v.asDouble();
            assertEquals(1.0, sum, 1e-9);
            assertTrue(t.get("layer_reduction").asDouble() >= 1.0);
        }
        assertTrue(root.get("monitoring_overhead").get("ratio").asDouble() > 0);
        assertTrue(out.toString().contains("cos_to_final"), out.toString());
    }

    @Test
    void emptyInputIsAClearError() throws Exception {
        Path in = tmp.resolve("empty.txt");
        Files.writeString(in, "");
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute("inspect", "--model", "all-minilm-l6-v2", "--input", in.toString());
        assertNotEquals(0, code);
        assertTrue(err.toString().contains("no lines"), err.toString());
    }
}
