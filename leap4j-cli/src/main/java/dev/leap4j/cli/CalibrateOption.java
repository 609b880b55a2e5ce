package dev.leap4j.cli;

import dev.leap4j.exit.ExitCalibration;
import dev.leap4j.load.ModelLocator;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** --calibrate for the evaluations: their verdict becomes the model's default exit rule. */
final class CalibrateOption {
    @Option(names = "--calibrate", description = "write the verdict into the model folder's " + ExitCalibration.FILE
            + ", so every entry point defaults to the recommended theta, or to full depth when early exit is not viable "
            + "(judge on a dev split, not test)")
    boolean calibrate;

    /** Writes entry into the model's folder (for a built-in name, its cache folder) when asked; returns what to print. */
    String apply(String model, ExitCalibration.Entry entry) throws IOException {
        if (!calibrate) return null;
        Path dir = ModelLocator.resolve(model, Main.cacheDir());
        ExitCalibration.read(dir).with(entry).write(dir);
        return "calibration written to " + dir.resolve(ExitCalibration.FILE) + ": " + entry.summary();
    }
}
