package dev.leap4j.cli;

import dev.leap4j.api.UsageException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.leap4j.exit.EarlyExitEncoder;
import dev.leap4j.api.Embedding;
import dev.leap4j.api.ExitPolicy;
import dev.leap4j.api.Texts;
import dev.leap4j.eval.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Embed one text per line; writes JSON lines {index, exit_layer, tokens, truncated, embedding} in input order.")
final class EmbedCommand implements Callable<Integer> {
    @Mixin
    ModelOption model = new ModelOption();

    @Mixin
    ExitOptions exit = new ExitOptions();

    @Mixin
    PromptOptions prompt = new PromptOptions();

    @Option(names = "--batch-size", defaultValue = "32", description = "inputs per batch (default 32)")
    int batchSize;

    @Mixin
    ThreadsOption threads = new ThreadsOption();

    @Option(names = "--input", required = true, description = "text file, one input per line, or - for stdin")
    String input;

    @Option(names = "--output", required = true, description = "JSON lines file, or - for stdout")
    String output;

    @Override
    public Integer call() throws IOException {
        if (batchSize < 1) throw new UsageException("--batch-size must be >= 1, got " + batchSize);
        prompt.check();
        List<String> texts = readLines(input);
        for (int i = 0; i < texts.size(); i++) {
            String reason = Texts.refusal(texts.get(i));
            if (reason != null) throw new UsageException(input + ": line " + (i + 1) + " " + reason + " (remove the line; nothing was written)");
        }
        Progress progress = ProgressBar.stderr();
        try (EarlyExitEncoder enc = model.open(threads.get())) {
            // prepended before tokenization, as sentence-transformers does: the prompt counts against the max length
            texts = prompt.resolve(enc.prompts()).applyAll(texts);
            ExitPolicy policy = exit.policy(enc);
            OutputStream os = output.equals("-") ? System.out : Files.newOutputStream(Path.of(output));
            try (Writer w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
                 JsonGenerator g = new JsonFactory().createGenerator(w)) {
                g.setRootValueSeparator(new com.fasterxml.jackson.core.io.SerializedString("\n"));
                int index = 0;
                for (int i = 0; i < texts.size(); i += batchSize) {
                    List<Embedding> es = enc.embed(texts.subList(i, Math.min(texts.size(), i + batchSize)), policy, batchSize);
                    for (Embedding e : es) writeLine(g, index++, e);
                    progress.update("embed", index, texts.size());
                }
                g.flush();
                w.write('\n');
            }
        }
        return 0;
    }

    static void writeLine(JsonGenerator g, int index, Embedding e) throws IOException {
        g.writeStartObject();
        g.writeNumberField("index", index);
        g.writeNumberField("exit_layer", e.exitLayer());
        g.writeNumberField("tokens", e.tokens());
        g.writeBooleanField("truncated", e.truncated());
        g.writeArrayFieldStart("embedding");
        for (float f : e.vector()) g.writeNumber(f);
        g.writeEndArray();
        g.writeEndObject();
    }

    /**
     * One text per line, strict UTF-8 (a malformed byte is an error naming the line, not a silent replacement).
     * Lines are split on bytes and decoded one by one: a decoding reader fails while filling its buffer, ahead of
     * the line it has handed out, so it cannot tell which line was bad. \n and \r never occur inside a UTF-8
     * sequence, so splitting before decoding is safe. Terminators as BufferedReader.readLine: \n, \r, \r\n.
     */
    static List<String> readLines(String input) throws IOException {
        byte[] bytes;
        if (input.equals("-")) {
            bytes = System.in.readAllBytes();
        } else {
            if (!Files.isReadable(Path.of(input))) throw new UsageException("cannot read input file " + input);
            bytes = Files.readAllBytes(Path.of(input));
        }
        var dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            boolean end = i == bytes.length;
            if (!end && bytes[i] != '\n' && bytes[i] != '\r') continue;
            if (end && start == bytes.length) break;
            try {
                lines.add(dec.decode(java.nio.ByteBuffer.wrap(bytes, start, i - start)).toString());
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new UsageException(input + ": line " + (lines.size() + 1) + " is not valid UTF-8");
            }
            if (!end && bytes[i] == '\r' && i + 1 < bytes.length && bytes[i + 1] == '\n') i++;
            start = i + 1;
        }
        return lines;
    }
}
