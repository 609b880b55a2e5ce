package com.example;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SearchTest {
    @Test
    void theReadmeExampleFindsTheEiffelTowerAtFullDepth() throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            Search.main(new String[0]);
        } finally {
            System.setOut(stdout);
        }
        assertEquals("The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris. (query ran 12 of 12 layers)",
                out.toString(StandardCharsets.UTF_8).strip());
    }
}
