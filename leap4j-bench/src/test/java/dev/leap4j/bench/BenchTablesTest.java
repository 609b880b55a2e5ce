package dev.leap4j.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchTablesTest {
    private static List<BenchTables.Result> parse(String... lines) {
        return java.util.Arrays.stream(lines).map(BenchTables.Result::parse).toList();
    }

    @Test
    void engineTableTakesTheMedianOverRepeatsAndTheRatioOfMedians() {
        var rs = parse(
                "RESULT model=m threads=1 engine=leap4j case=b1-13 ms_per_input=3.0 p50=2.9 p99=4.0 repeat=1",
                "RESULT model=m threads=1 engine=ort case=b1-13 ms_per_input=6.0 p50=5.9 p99=7.0 repeat=1",
                "RESULT model=m threads=1 engine=ort case=b1-13 ms_per_input=4.0 p50=3.9 p99=6.0 repeat=2",
                "RESULT model=m threads=1 engine=leap4j case=b1-13 ms_per_input=2.0 p50=1.9 p99=3.0 repeat=2",
                "RESULT model=m threads=1 engine=leap4j case=b1-13 ms_per_input=9.0 p50=8.9 p99=9.0 repeat=3",
                "RESULT model=m threads=1 engine=ort case=b1-13 ms_per_input=5.0 p50=4.9 p99=5.0 repeat=3",
                "RESULT model=m threads=1 engine=leap4j case=b32 sent_per_s=300 repeat=1",
                "RESULT model=m threads=1 engine=ort case=b32 sent_per_s=200 repeat=1",
                "RESULT model=m threads=1 engine=leap4j case=monitor13 ratio=1.0100 repeat=1");
        String t = BenchTables.engineTable(rs);
        // leap4j median of 3, 2, 9 is 3; ORT median of 6, 4, 5 is 5; 3 / 5 = 0.60x
        assertTrue(t.contains("| m | 1 | batch 1, 13 tokens | 3.00 (3.00 2.00 9.00) | 2.90 / 4.00 | 5.00 (6.00 4.00 5.00) | 4.90 / 6.00 | 0.60x |"), t);
        assertTrue(t.contains("| 300 | | 200 | | 1.50x throughput |"), t);
        assertTrue(t.contains("monitoring on / off, m, 1 thread(s), 13 tokens: 1.010"), t);
    }

    @Test
    void int8TableSetsFourEnginesSideBySideWithTheirRatios() {
        var rs = parse(
                "RESULT model=m threads=2 engine=leap4j case=b1-13 ms_per_input=4.0 p50=4 p99=5 repeat=1",
                "RESULT model=m threads=2 engine=leap4j-int8 case=b1-13 ms_per_input=3.0 p50=3 p99=4 repeat=1",
                "RESULT model=m threads=2 engine=ort case=b1-13 ms_per_input=5.0 p50=5 p99=6 repeat=1",
                "RESULT model=m threads=2 engine=ort-int8 case=b1-13 ms_per_input=2.0 p50=2 p99=3 repeat=1",
                "RESULT model=m threads=2 engine=leap4j case=b32 sent_per_s=300 repeat=1",
                "RESULT model=m threads=2 engine=leap4j-int8 case=b32 sent_per_s=330 repeat=1",
                "RESULT model=m threads=2 engine=ort case=b32 sent_per_s=200 repeat=1",
                "RESULT model=m threads=2 engine=ort-int8 case=b32 sent_per_s=400 repeat=1");
        String t = BenchTables.int8Table(rs);
        assertTrue(t.contains("| m | 2 | batch 1, 13 tokens, ms | 4.00 | 3.00 | 5.00 | 2.00 | 0.75x | 1.50x | 0.60x |"), t);
        assertTrue(t.contains("| m | 2 | batch 32, sentences/s | 300 | 330 | 200 | 400 | 1.10x | 0.83x | 1.65x |"), t);
    }

    @Test
    void agreementFlagsACommandFasterThanTheEngineInsideIt() {
        var engine = parse(
                "RESULT model=m threads=2 engine=leap4j case=b1-13 ms_per_input=2.2 repeat=1",
                "RESULT model=m threads=2 engine=leap4j case=b1-13 ms_per_input=2.4 repeat=2",
                "RESULT model=m threads=2 engine=leap4j case=b1-57 ms_per_input=6.0 repeat=1");
        var cli = parse(
                "RESULT model=m threads=2 engine=leap4j case=b1-13 ms_per_input=1.2 repeat=1",
                "RESULT model=m threads=2 engine=leap4j case=b1-57 ms_per_input=6.5 repeat=1",
                "RESULT model=m threads=2 engine=ort case=b1-57 ms_per_input=7.5 repeat=1");
        String t = BenchTables.agreement(engine, cli);
        assertTrue(t.contains("| m | 2 | 13 | 2.30 (2.20 2.40) | 1.20 | -1.10 ms | CONTRADICTION"), t);
        assertTrue(t.contains("| m | 2 | 57 | 6.00 | 6.50 | +0.50 ms | consistent |"), t);
    }

    @Test
    void trainTableGivesTheLargestSpreadAndBothRatios() {
        var rs = parse(
                "RESULT model=e5 threads=2 engine=leap4j case=train tokens_per_s=1000 repeat=1",
                "RESULT model=e5 threads=2 engine=torch-sdpa case=train tokens_per_s=800 repeat=1",
                "RESULT model=e5 threads=2 engine=torch-eager case=train tokens_per_s=500 repeat=1",
                "RESULT model=e5 threads=2 engine=leap4j case=train tokens_per_s=1100 repeat=2",
                "RESULT model=e5 threads=2 engine=torch-sdpa case=train tokens_per_s=720 repeat=2",
                "RESULT model=e5 threads=2 engine=torch-eager case=train tokens_per_s=500 repeat=2");
        String t = BenchTables.trainTable(rs);
        // medians 1050, 760, 500; spreads 9.5%, 10.5%, 0%
        assertTrue(t.contains("| e5 | 2 | 1050 (1000 1100) | 760 (800 720) | 500 (500 500) | 11% | 1.38x | 2.10x |"), t);
    }

    @Test
    void noisyTableComparesTheSlowdownWithTheLostCpuShare() {
        var rs = parse(
                "RESULT model=m threads=2 engine=leap4j case=b1-13 ms_per_input=2.0 repeat=1",
                "RESULT model=m threads=2 engine=leap4j+hog case=b1-13 ms_per_input=3.0 repeat=1",
                "RESULT model=m threads=2 engine=leap4j case=b32 sent_per_s=1000 repeat=1",
                "RESULT model=m threads=2 engine=leap4j+hog case=b32 sent_per_s=400 repeat=1",
                "RESULT model=m threads=1 engine=ort case=b1-13 ms_per_input=4.0 repeat=1",
                "RESULT model=m threads=1 engine=ort+hog case=b1-13 ms_per_input=4.1 repeat=1");
        String t = BenchTables.noisyTable(rs, 2);
        // 2 threads and a hog on 2 cores: 4/3 cores instead of 2, so 1.5x is the fair slowdown
        assertTrue(t.contains("| leap4j | m | 2 | batch 1, 13 tokens, ms/input | 2.00 | 3.00 | 1.50x | 1.50x | within its share |"), t);
        assertTrue(t.contains("| leap4j | m | 2 | batch 32, sentences/s | 1000.00 | 400.00 | 2.50x | 1.50x | 1.67x beyond its share |"), t);
        // whole commands report batch 32 as time per input too
        String cli = BenchTables.noisyTable(parse(
                "RESULT model=m threads=2 engine=leap4j case=b32-57 ms_per_input=1.0 repeat=1",
                "RESULT model=m threads=2 engine=leap4j+hog case=b32-57 ms_per_input=1.4 repeat=1"), 2);
        assertTrue(cli.contains("| leap4j | m | 2 | batch 32, 57 tokens, ms/input | 1.00 | 1.40 | 1.40x | 1.50x | within its share |"), cli);
        // 1 thread and a hog on 2 cores: nothing lost
        assertTrue(t.contains("| ort | m | 1 | batch 1, 13 tokens, ms/input | 4.00 | 4.10 | 1.03x | 1.00x | within its share |"), t);
    }
}
