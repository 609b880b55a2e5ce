package dev.leap4j.cli;

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

/** One command line run as main runs it, with what it wrote to stdout and stderr. */
record CliRun(int code, String out, String err) {
    static CliRun of(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** The JSON lines `embed` writes for texts (index, exit layer, token count, vector) under the given options; files in dir. */
    static List<String> embedded(Path dir, List<String> texts, String... options) throws IOException {
        Path in = Files.createTempFile(dir, "in", ".txt");
        Files.writeString(in, String.join("\n", texts) + "\n", StandardCharsets.UTF_8);
        Path out = Files.createTempFile(dir, "out", ".jsonl");
        List<String> args = new ArrayList<>(List.of("embed", "--input", in.toString(), "--output", out.toString(), "--threads", "2"));
        args.addAll(List.of(options));
        CliRun r = of(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return Files.readAllLines(out).stream().filter(l -> !l.isBlank()).toList();
    }
}
