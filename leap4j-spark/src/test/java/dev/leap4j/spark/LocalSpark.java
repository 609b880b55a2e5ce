package dev.leap4j.spark;

import org.apache.spark.sql.SparkSession;

/** One local[2,3] session for every test class in the JVM (two cores; a failed task is retried, up to 3 attempts, as on a cluster): starting Spark costs seconds, and the tests share it. */
final class LocalSpark {
    private static SparkSession session;

    private LocalSpark() {}

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder().master("local[2,3]").appName("leap4j-spark-test")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "4")
                    .getOrCreate();
        }
        return session;
    }
}
