package dev.leap4j.eval;

import dev.leap4j.api.Prompt;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where and how a report was produced (gathered by the caller, so evaluation code reads no environment).
 *
 * @param command the command line that reproduces the run
 * @param prompts the prompt put before each kind of input ("sentences"; "queries", "documents"), in report order:
 *                the same model scores differently with and without its prompts, so a report names them
 */
public record RunInfo(String model, String data, String jdk, String cpu, int threads, String date, String command,
                      Map<String, Prompt> prompts) {
    public RunInfo {
        prompts = Collections.unmodifiableMap(new LinkedHashMap<>(prompts));
    }
}
