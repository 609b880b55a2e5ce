package dev.leap4j.spark;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** `leap4j embed` run in this JVM on the same texts: the reference every Spark result must equal bit for bit. */
final class CliOracle {
    record Line(int exitLayer, int tokens, boolean truncated, float[] vector) {}

    // BigDecimal keeps the printed digits exactly; parsing them as a double first could round a float differently
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private CliOracle() {}

    /** texts one per line (none may hold a line break), the model, then any further CLI options. */
    static List<Line> embed(Path dir, List<String> texts, String model, String... options) throws IOException {
        Path in = Files.createTempFile(dir, "cli-input", ".txt"), out = Files.createTempFile(dir, "cli-output", ".jsonl");
        Files.writeString(in, String.join("\n", texts) + "\n", StandardCharsets.UTF_8);
        List<String> args = new ArrayList<>(List.of("embed", "--model", model, "--input", in.toString(), "--output", out.toString(), "--threads", "2"));
        args.addAll(List.of(options));
        int code = new picocli.CommandLine(new dev.leap4j.cli.Main()).execute(args.toArray(String[]::new));
        assertEquals(0, code, "leap4j " + args);
        List<Line> lines = new ArrayList<>();
        for (String l : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            if (l.isBlank()) continue;
            JsonNode n = JSON.readTree(l);
            assertEquals(lines.size(), n.get("index").asInt());
            JsonNode e = n.get("embedding");
            float[] v = new float[e.size()];
            for (int i = 0; i < v.length; i++) v[i] = Float.parseFloat(e.get(i).decimalValue().toString());
            lines.add(new Line(n.get("exit_layer").asInt(), n.get("tokens").asInt(), n.get("truncated").asBoolean(), v));
        }
        assertEquals(texts.size(), lines.size());
        return lines;
    }
}
