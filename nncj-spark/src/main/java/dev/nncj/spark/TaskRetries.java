package dev.nncj.spark;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;

/** How many times Spark runs a task before it fails the job, as the master and settings decide. */
final class TaskRetries {
    private static final Pattern LOCAL_WITH_RETRIES = Pattern.compile("local\\[[^,\\]]+,\\s*(\\d+)\\]");

    private TaskRetries() {}

    /**
     * {@code spark.task.maxFailures} (4 unless set) on a cluster; in local mode Spark ignores it and
     * tries a task once, or F times with a {@code local[N,F]} master.
     */
    static int allowedFailures(SparkConf conf) {
        String master = conf.get("spark.master", "");
        Matcher m = LOCAL_WITH_RETRIES.matcher(master);
        if (m.matches()) {
            return Integer.parseInt(m.group(1));
        }
        if (master.equals("local") || master.startsWith("local[")) {
            return 1;
        }
        return conf.getInt("spark.task.maxFailures", 4);
    }
}
