package dev.leap4j.api;

/** A model file that cannot be used as it is; the message names the file, tensor or graph node at fault. */
public class ModelFormatException extends IllegalArgumentException {
    public ModelFormatException(String message) {
        super(message);
    }
}
