package com.example;

import dev.leap4j.spark.EmbedOptions;
import dev.leap4j.spark.Leap4jSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.List;

public class EmbedTexts {
    /** Adds embedding, exit_layer, tokens, truncated and error columns to the texts. */
    public static Dataset<Row> embed(SparkSession spark, List<String> texts) {
        Dataset<Row> df = spark.createDataset(texts, Encoders.STRING()).toDF("text");
        return Leap4jSpark.embed(df, "text",
                EmbedOptions.of("e5-small-v2").withPrompt("passage"));   // lazy, like any transformation
    }

    public static void main(String[] args) {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("leap4j-example").getOrCreate();
        embed(spark, List.of("The Eiffel Tower is in Paris.", "")).select("text", "exit_layer", "error").show(false);
        spark.stop();
    }
}
