package dev.nncj.spark;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class TaskRetriesTest {
    @Test
    void localModeTriesOnceUnlessToldOtherwiseAndClustersReadMaxFailures() {
        assertThat(TaskRetries.allowedFailures(new SparkConf(false).setMaster("local[4]"))).isEqualTo(1);
        assertThat(TaskRetries.allowedFailures(new SparkConf(false).setMaster("local"))).isEqualTo(1);
        assertThat(TaskRetries.allowedFailures(new SparkConf(false).setMaster("local[*,3]"))).isEqualTo(3);
        assertThat(TaskRetries.allowedFailures(new SparkConf(false).setMaster("local-cluster[2,1,1024]"))).isEqualTo(4);
        assertThat(TaskRetries.allowedFailures(new SparkConf(false).setMaster("spark://127.0.0.1:7077")
                .set("spark.task.maxFailures", "8"))).isEqualTo(8);
    }
}
