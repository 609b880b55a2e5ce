package dev.leap4j.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainCommandTest {
    @Test
    void layerMapParsesPairsAndRejectsNonsense() {
        int Ls = 2 + new Random(dev.leap4j.TestSeed.next()).nextInt(10), Lt = Ls + 2;
        int[] map = TrainCommand.parseMap(List.of("1:" + Lt, " " + Ls + " : 2"), Ls, Lt);
        int[] expected = new int[Ls];
        expected[0] = Lt;
        expected[Ls - 1] = 2;
        assertArrayEquals(expected, map);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainCommand.parseMap(List.of("0:1"), Ls, Lt)).getMessage().contains("out of range"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainCommand.parseMap(List.of("1:" + (Lt + 1)), Ls, Lt)).getMessage().contains("out of range"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainCommand.parseMap(List.of("1-2"), Ls, Lt)).getMessage().contains("student:teacher"));
    }

    @Test
    void pathParsesLayerListsAndRejectsNonsense() {
        assertArrayEquals(new int[]{2, 5, 7, 12}, TrainCommand.parsePath(" 2,5, 7,12"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainCommand.parsePath("2-5")).getMessage().contains("separated by commas"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TrainCommand.parsePath("")).getMessage().contains("separated by commas"));
    }
}
