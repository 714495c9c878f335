#!/usr/bin/env bash
# The three runs of bench/results/2026-12-02-spark-generation.md, one after another, in the current folder.
# Environment: CLF, TRAIN, EVAL (see run.sh), NNCJ (optional), SPARK_JARS (a folder of Spark 4 / Scala 2.13
# jars, e.g. "$SPARK_HOME/jars") and SPARK_HOME (a Spark distribution for local-cluster's executors).
set -uo pipefail
: "${SPARK_JARS:?set SPARK_JARS to the folder of the Spark jars}" "${SPARK_HOME:?set SPARK_HOME}"
run=$(dirname "$0")/run.sh
rm -rf L L2 S L.* L2.* S.*
# 1. a local search from scratch: measures the latency table (and runs the generation)
"$run" L
# 2 and 3: the same search resumed from a folder holding only the journal's header and that table, so
#    both time the generation (plus start-up and the front's measurement) and nothing else
for d in L2 S; do mkdir -p $d; head -1 L/journal.jsonl > $d/journal.jsonl; cp L/latency-table.json $d/; done
"$run" L2 --resume
SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 NNCJ_CLASSPATH="$SPARK_JARS/*" \
NNCJ_JAVA_OPTS='-Xmx4g -Dspark.executor.memory=1536m -Dspark.ui.enabled=false' \
  "$run" S --resume --executor spark --spark-master 'local-cluster[2,1,2048]' --task-cpus 1
