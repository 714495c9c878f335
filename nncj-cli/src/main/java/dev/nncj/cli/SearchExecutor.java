package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.search.CandidateEvaluator;
import java.util.Locale;

/**
 * Where {@code nncj search} evaluates its candidates: here, or as Spark tasks on a cluster. Spark is not
 * part of NNCJ's distribution (it is 222 MB and a cluster brings its own), so this class names no Spark
 * type: {@link SparkEvaluators} is loaded only once Spark is known to be on the class path, and a local
 * search never loads a Spark class.
 */
enum SearchExecutor {
    LOCAL, SPARK;

    /** How to put a Spark installation on bin/nncj's class path; README and docs/ARCHITECTURE.md say the same. */
    static final String HOW_TO_ADD_SPARK = "set NNCJ_CLASSPATH='$SPARK_HOME/jars/*' (Apache Spark 4, Scala 2.13) before bin/nncj";

    static SearchExecutor ofLabel(String label) {
        for (SearchExecutor e : values()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(label.strip().toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown executor " + label + " (local or spark)");
    }

    /** Refuses a Spark search, before anything is written, when Spark is not on the class path. */
    static void requireSpark() {
        try {
            Class.forName("org.apache.spark.api.java.JavaSparkContext", false, SearchExecutor.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new NncjException("--executor spark: Apache Spark is not on the class path; " + HOW_TO_ADD_SPARK);
        }
    }

    /** A Spark search's evaluator with the context it runs on, which closing stops. */
    interface Remote extends CandidateEvaluator, AutoCloseable {
        @Override
        void close();
    }
}
