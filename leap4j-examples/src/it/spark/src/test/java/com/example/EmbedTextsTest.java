package com.example;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbedTextsTest {
    @Test
    void theReadmeExampleEmbedsAtFullDepthAndReportsTheEmptyRow() {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("readme").config("spark.ui.enabled", "false").getOrCreate();
        try {
            List<Row> rows = EmbedTexts.embed(spark, List.of("The Eiffel Tower is in Paris.", "")).collectAsList();
            assertEquals(2, rows.size());
            Row ok = rows.get(0), empty = rows.get(1);
            assertNull(ok.getAs("error"));
            assertEquals(12, (int) ok.getAs("exit_layer"), "a stock model runs every layer by default");
            assertEquals(384, ok.getList(ok.fieldIndex("embedding")).size());
            assertTrue(((String) empty.getAs("error")).contains("empty"), String.valueOf(empty));
        } finally {
            spark.stop();
        }
    }
}
