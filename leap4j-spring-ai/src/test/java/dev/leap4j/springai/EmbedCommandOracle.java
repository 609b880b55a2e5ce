package dev.leap4j.springai;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.leap4j.cli.Main;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code leap4j embed}, run in-process: the reference every vector here is compared with. */
final class EmbedCommandOracle {
    // exact decimals: a float read through a double could round twice
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** One line of the command's output. */
    record Line(float[] embedding, int exitLayer) {}

    private EmbedCommandOracle() {}

    /** The command's output for texts (one per line), with the given options after --model/--input/--output. */
    static List<Line> embed(Path tmp, String model, List<String> texts, String... options) throws IOException {
        Path in = Files.createTempFile(tmp, "in", ".txt"), out = Files.createTempFile(tmp, "out", ".jsonl");
        Files.write(in, texts, StandardCharsets.UTF_8);
        List<String> args = new ArrayList<>(List.of("embed", "--model", model, "--input", in.toString(), "--output", out.toString()));
        args.addAll(List.of(options));
        CommandLine cli = new CommandLine(new Main());
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        int rc = cli.execute(args.toArray(String[]::new));
        assertEquals(0, rc, "leap4j " + String.join(" ", args) + " failed: " + err);
        List<Line> lines = new ArrayList<>();
        for (String l : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            if (l.isBlank()) continue;
            JsonNode n = JSON.readTree(l);
            assertEquals(lines.size(), n.get("index").intValue());
            JsonNode e = n.get("embedding");
            float[] v = new float[e.size()];
            for (int i = 0; i < v.length; i++) v[i] = e.get(i).decimalValue().floatValue();
            lines.add(new Line(v, n.get("exit_layer").intValue()));
        }
        assertEquals(texts.size(), lines.size(), "one output line per input");
        return lines;
    }

    /** The cache the command uses ($LEAP4J_CACHE, else the default), as a property, so both load the same files. */
    static String[] cacheProperty() {
        String env = System.getenv("LEAP4J_CACHE");
        return env == null || env.isBlank() ? new String[0] : new String[]{"leap4j.cache-dir=" + env};
    }
}
