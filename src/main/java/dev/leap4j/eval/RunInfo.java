package dev.leap4j.eval;

/**
 * Where and how a report was produced (gathered by the caller, so evaluation code reads no environment).
 *
 * @param command the command line that reproduces the run
 */
public record RunInfo(String model, String data, String jdk, String cpu, int threads, String date, String command) {}
