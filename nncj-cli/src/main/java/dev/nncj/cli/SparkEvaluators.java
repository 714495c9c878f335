package dev.nncj.cli;

import dev.nncj.search.Architecture;
import dev.nncj.search.Fidelity;
import dev.nncj.spark.EvaluatorFactory;
import dev.nncj.spark.SparkCandidateEvaluator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The one class of nncj-cli that touches Spark: starts the search's Spark context and evaluates its
 * candidates through it. Only {@link SearchExecutor#SPARK} reaches it, after checking that Spark is there.
 *
 * <p>Settings: the master and the CPUs a task holds come from the command; any other {@code spark.*}
 * setting can be given as a Java system property (Spark's SparkConf reads them, e.g.
 * {@code NNCJ_JAVA_OPTS=-Dspark.executor.memory=4g}). Executors get the driver's class path unless one is
 * set: NNCJ installed at the same path on every machine (or a local-cluster) needs nothing more. With
 * SPARK_LOCAL_IP set, driver and executors bind to that address.
 */
final class SparkEvaluators implements SearchExecutor.Remote {
    private final JavaSparkContext spark;
    private final SparkCandidateEvaluator evaluator;

    private SparkEvaluators(JavaSparkContext spark, SparkCandidateEvaluator evaluator) {
        this.spark = spark;
        this.evaluator = evaluator;
    }

    static SearchExecutor.Remote start(String master, int taskCpus, EvaluatorFactory factory) {
        SparkConf conf = new SparkConf() // with the spark.* system properties
                .setMaster(master)
                .setAppName("nncj search")
                .set("spark.task.cpus", Integer.toString(taskCpus))
                .setIfMissing("spark.executor.extraClassPath", System.getProperty("java.class.path"));
        String localIp = System.getenv("SPARK_LOCAL_IP");
        if (localIp != null && !localIp.isBlank()) {
            conf.setIfMissing("spark.driver.host", localIp)
                    .setIfMissing("spark.driver.bindAddress", localIp)
                    .setIfMissing("spark.executorEnv.SPARK_LOCAL_IP", localIp);
        }
        JavaSparkContext spark = new JavaSparkContext(conf);
        spark.setLogLevel("WARN"); // the search's progress, not the scheduler's every step, on stderr
        try {
            return new SparkEvaluators(spark, new SparkCandidateEvaluator(spark, factory));
        } catch (RuntimeException e) {
            spark.stop();
            throw e;
        }
    }

    @Override
    public Evaluation evaluate(Architecture candidate, Fidelity stage) {
        return evaluator.evaluate(candidate, stage);
    }

    @Override
    public void evaluateAll(List<Architecture> candidates, Fidelity stage, Consumer<Result> inOrder) {
        evaluator.evaluateAll(candidates, stage, inOrder);
    }

    @Override
    public void close() {
        spark.stop();
    }
}
