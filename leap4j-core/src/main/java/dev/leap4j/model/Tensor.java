package dev.leap4j.model;

import java.util.Arrays;

/** A named float tensor in row-major order, as stored in a checkpoint. */
public record Tensor(String name, int[] shape, float[] data) {
    public Tensor {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("tensor " + name + " has a negative dimension " + Arrays.toString(shape));
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(shape) + " but " + data.length + " values");
        }
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
