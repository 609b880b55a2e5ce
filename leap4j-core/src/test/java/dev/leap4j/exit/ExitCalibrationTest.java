package dev.leap4j.exit;

import dev.leap4j.api.ExitPolicy;
import dev.leap4j.api.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExitCalibrationTest {
    static ExitCalibration.Entry recommended(ExitCalibration.Task task, ExitPolicy p) {
        return new ExitCalibration.Entry(task, ExitCalibration.Verdict.RECOMMENDED, p, "spearman", 0.85, 0.845, 0.01, 7.0, "dev", "2026-12-07");
    }

    static ExitCalibration.Entry notViable(ExitCalibration.Task task) {
        return new ExitCalibration.Entry(task, ExitCalibration.Verdict.NOT_VIABLE, ExitPolicy.uncalibrated(12), "ndcg@10", 0.68, Double.NaN,
                0.01, Double.NaN, "dev", "2026-12-07");
    }

    @Test
    void noCalibrationMeansFullDepthWithAReason() {
        assertFalse(ExitCalibration.NONE.recommendsExit());
        assertEquals(ExitPolicy.uncalibrated(12), ExitCalibration.NONE.defaultPolicy(12));
        assertFalse(ExitCalibration.NONE.defaultPolicy(12).monitors());
        assertTrue(ExitCalibration.NONE.whyFullDepth().contains(ExitCalibration.FILE));
    }

    @Test
    void everyTaskMustRecommendAndTheStrictestValuesWin() {
        var sts = recommended(ExitCalibration.Task.STS, new ExitPolicy(0.9, 6, 1));
        var ret = recommended(ExitCalibration.Task.RETRIEVAL, new ExitPolicy(0.95, 5, 2));
        ExitCalibration both = ExitCalibration.NONE.with(sts).with(ret);
        assertTrue(both.recommendsExit());
        assertEquals(new ExitPolicy(0.95, 6, 2), both.defaultPolicy(12));
        assertEquals("", both.whyFullDepth());
        ExitCalibration vetoed = both.with(notViable(ExitCalibration.Task.RETRIEVAL));
        assertEquals(2, vetoed.entries().size(), "a newer entry of a task replaces the older one");
        assertFalse(vetoed.recommendsExit());
        assertFalse(vetoed.defaultPolicy(12).monitors());
        assertTrue(vetoed.whyFullDepth().contains("not viable"), vetoed.whyFullDepth());
    }

    @Test
    void aRecommendedDepthCapCarriesOver() {
        var capped = recommended(ExitCalibration.Task.STS, new ExitPolicy(ExitPolicy.NO_EXIT, 6, 1, 8));
        assertEquals(8, new ExitCalibration(List.of(capped)).defaultPolicy(12).depth());
    }

    @Test
    void writesAndReadsBackExactly(@TempDir Path dir) throws Exception {
        ExitCalibration c = ExitCalibration.NONE.with(recommended(ExitCalibration.Task.STS, new ExitPolicy(0.93, 6, 1, 10)))
                .with(notViable(ExitCalibration.Task.RETRIEVAL));
        c.write(dir);
        ExitCalibration back = ExitCalibration.read(dir);
        assertEquals(c.entries().size(), back.entries().size());
        for (int i = 0; i < c.entries().size(); i++) {
            var a = c.entries().get(i);
            var b = back.entries().get(i);
            assertEquals(a.task(), b.task());
            assertEquals(a.verdict(), b.verdict());
            assertEquals(a.policy(), b.policy());
            assertEquals(a.fullQuality(), b.fullQuality());
            assertEquals(a.quality(), b.quality());
            assertEquals(a.data(), b.data());
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(dir.resolve(ExitCalibration.FILE)), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void aFolderWithoutTheFileHasNone(@TempDir Path dir) throws Exception {
        assertSame(ExitCalibration.NONE, ExitCalibration.read(dir));
    }

    @Test
    void aCorruptFileIsAModelFileErrorNamingIt(@TempDir Path dir) throws Exception {
        Path f = dir.resolve(ExitCalibration.FILE);
        for (String bad : List.of("{", "[]", "{\"entries\": [{\"task\": \"sts\", \"verdict\": \"maybe\", \"theta\": 0.9, \"min_layer\": 6, \"patience\": 1}]}",
                "{\"entries\": [{\"task\": \"sts\", \"verdict\": \"recommended\", \"theta\": \"high\", \"min_layer\": 6, \"patience\": 1}]}",
                "{\"entries\": [{\"task\": \"sts\", \"verdict\": \"recommended\", \"theta\": -1, \"min_layer\": 6, \"patience\": 1}]}")) {
            Files.writeString(f, bad);
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ExitCalibration.read(dir), bad);
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        }
    }
}
