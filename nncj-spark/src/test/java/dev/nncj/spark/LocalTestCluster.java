package dev.nncj.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * A real Spark standalone cluster on this machine from the Maven jars alone: {@code local-cluster[2,1,1024]}
 * starts a Master and two Workers inside the driver's JVM, and each Worker launches its executor as
 * a separate JVM, so tasks run in other processes, as on a cluster. What it needs:
 * <ul>
 *   <li>in the driver's environment (nncj-spark's pom sets them for surefire): {@code SPARK_HOME}, any
 *       folder with a {@code jars/} in it (the Workers build the executors' class path from it; it
 *       may be empty), {@code SPARK_SCALA_VERSION=2.13} (else the launcher looks for a Spark build
 *       tree) and {@code SPARK_LOCAL_IP=127.0.0.1};
 *   <li>Spark's {@code --add-opens} for java.base on the driver's command line (surefire's argLine;
 *       Spark adds them to the executors' itself);
 *   <li>the settings below: driver and executors bound to 127.0.0.1 (otherwise executors bind to the
 *       machine's other address), the driver's class path as the executors' (our classes and the
 *       ONNX Runtime jar reach them that way), executor memory within the Worker's 1024 MB.
 * </ul>
 */
final class LocalTestCluster implements AutoCloseable {
    static final int EXECUTORS = 2;

    private final JavaSparkContext spark;
    private final AtomicInteger failedTasks = new AtomicInteger();

    LocalTestCluster(Path nativeCache) throws IOException {
        String home = System.getenv("SPARK_HOME");
        if (home == null || !"127.0.0.1".equals(System.getenv("SPARK_LOCAL_IP"))
                || System.getenv("SPARK_SCALA_VERSION") == null) {
            throw new IllegalStateException("run through Maven: SPARK_HOME, SPARK_SCALA_VERSION and SPARK_LOCAL_IP=127.0.0.1 "
                    + "must be in the environment (nncj-spark's pom sets them)");
        }
        Files.createDirectories(Path.of(home, "jars"));
        SparkConf conf = new SparkConf()
                .setMaster("local-cluster[" + EXECUTORS + ",1,1024]")
                .setAppName("nncj-spark-test")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1")
                .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .set("spark.executor.memory", "768m")
                // ONNX Runtime's natives go to the build's cache, not the user's
                .set("spark.executor.extraJavaOptions", "-Dnncj.cache=" + nativeCache)
                .set("spark.ui.enabled", "false")
                .set("spark.task.maxFailures", "4");
        spark = new JavaSparkContext(conf);
        spark.sc().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskInfo().failed()) {
                    failedTasks.incrementAndGet();
                }
            }
        });
    }

    JavaSparkContext spark() {
        return spark;
    }

    /** Waits (two minutes at most) until {@link #EXECUTORS} executors have registered. */
    void awaitExecutors() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (executors() < EXECUTORS) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + executors() + " of " + EXECUTORS + " executors registered in 2 minutes");
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
    }

    /** Executors registered now (the status tracker lists the driver too). */
    int executors() {
        return spark.sc().statusTracker().getExecutorInfos().length - 1;
    }

    /** Tasks that ended failed so far (a lost executor's tasks among them); the listener bus may lag a little. */
    int failedTasks() {
        return failedTasks.get();
    }

    @Override
    public void close() {
        spark.stop();
    }
}
