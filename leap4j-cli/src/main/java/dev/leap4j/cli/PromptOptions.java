package dev.leap4j.cli;

import dev.leap4j.api.UsageException;
import dev.leap4j.api.Prompt;
import dev.leap4j.load.Prompts;
import picocli.CommandLine.Option;

/** The prompt options of the commands that embed one kind of text: a model prompt by name, or any text. */
final class PromptOptions {
    @Option(names = "--prompt", paramLabel = "NAME",
            description = "put the model's prompt NAME before every input (e5: query, passage; default: the model's default prompt, if any)")
    String name;

    @Option(names = "--prompt-text", paramLabel = "TEXT", description = "put TEXT before every input (instead of --prompt)")
    String text;

    /** Called before the model is loaded, so a contradiction costs no loading time. */
    void check() {
        if (name != null && text != null) {
            throw new UsageException("--prompt and --prompt-text exclude each other: give a prompt name or the text itself, not both");
        }
    }

    /** The prompt this run prepends: the one asked for, else the model's default (none when it has none). */
    Prompt resolve(Prompts model) {
        check();
        try {
            return model.choose(name, text);
        } catch (UsageException e) {
            throw new UsageException("--prompt: " + e.getMessage() + "; --prompt-text TEXT takes any text");
        }
    }
}
