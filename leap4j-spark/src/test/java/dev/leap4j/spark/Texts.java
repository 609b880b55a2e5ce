package dev.leap4j.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Test inputs: real sentences of many lengths, seeded random word strings, and one text past the model's 256 tokens. */
final class Texts {
    static final List<String> SENTENCES = List.of(
            "A man is playing a guitar.",
            "ok",
            "Stock markets fell sharply on Tuesday after the central bank raised interest rates by half a percentage point.",
            "The cat sleeps on the warm windowsill.",
            "How do cells divide?",
            "Mitochondria are the powerhouse of the cell, producing most of the chemical energy needed to power biochemical reactions.",
            "Paris is the capital of France.",
            "A woman is slicing an onion in the kitchen.",
            "Rain is expected tomorrow in the northern regions.",
            "The committee postponed its decision until further evidence could be reviewed.",
            "Dogs bark.",
            "Quantum computers use qubits that can be in superpositions of states.",
            "Üben von Xylophon und Querflöte ist ja zweckmäßig.",
            "東京は日本の首都です。",
            "The river bank was flooded after the storm.",
            "He deposited the cheque at the bank before noon.");

    static final String[] WORDS = "the a river city bank rate early exit layer model cells divide quickly protein market over under".split(" ");

    private Texts() {}

    static List<String> sample(Random rnd, int randomCount) {
        List<String> out = new ArrayList<>(SENTENCES);
        for (int i = 0; i < randomCount; i++) {
            StringBuilder sb = new StringBuilder();
            for (int w = 0, len = 1 + rnd.nextInt(14); w < len; w++) sb.append(w == 0 ? "" : " ").append(WORDS[rnd.nextInt(WORDS.length)]);
            out.add(sb.toString());
        }
        out.add(("the protein market rate over the river city " + "and the early layer model ".repeat(60)).strip());
        return out;
    }

    /** (id long, text string), id = position in texts. */
    static Dataset<Row> frame(SparkSession spark, List<String> texts) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) rows.add(RowFactory.create((long) i, texts.get(i)));
        StructType schema = new StructType().add("id", DataTypes.LongType, false).add("text", DataTypes.StringType, true);
        return spark.createDataFrame(rows, schema);
    }

    static float[] vector(Row r) {
        List<Float> v = r.getList(r.fieldIndex(Leap4jSpark.EMBEDDING));
        float[] a = new float[v.size()];
        for (int i = 0; i < a.length; i++) a[i] = v.get(i);
        return a;
    }
}
