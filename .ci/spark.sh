#!/usr/bin/env bash
# Spark and YARN for the PySpark tests (sourced by .ci/run; needs $cache). Everything is cached
# under $cache and rebuilt from nothing when absent:
#  - a venv of Debian's /usr/bin/python3 with pyspark (.ci/spark-requirements.txt; the test
#    user of the loopback sshd runs it too, so it must not live under /root): AMLGO_PYSPARK_PYTHON;
#  - Apache Hadoop's single-node YARN daemons, hadoop-client-minicluster and the BouncyCastle
#    jars it needs, from Maven Central at the version of pyspark's Hadoop client:
#    AMLGO_HADOOP_JARS (a classpath; internal/sparktest starts a ResourceManager and a
#    NodeManager from it and pyspark's own jars).
# Cold cost: under a minute (18 s measured here: a 317 MB wheel and 38 MB of jars; 476 MB on
# disk); warm: a few seconds. The tests it enables add about 5 minutes to the compute package.
set -euo pipefail

spark_req=.ci/spark-requirements.txt
spark_venv="$cache/venv-pyspark-$(sha256sum "$spark_req" | cut -c1-12)"
if ! "$spark_venv/bin/python" -c 'import pyspark, numpy' 2>/dev/null; then
  rm -rf "$spark_venv"
  mkdir -p "$cache"
  spark_start=$SECONDS
  if ! /usr/bin/python3 -m venv "$spark_venv" 2>/dev/null; then
    apt-get install -y -qq --no-install-recommends python3-venv >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-venv >/dev/null; }
    rm -rf "$spark_venv"
    /usr/bin/python3 -m venv "$spark_venv"
  fi
  "$spark_venv/bin/pip" install -q --disable-pip-version-check -r "$spark_req"
  echo "pyspark venv built in $((SECONDS - spark_start)) s: $spark_venv"
fi
chmod -R a+rX "$spark_venv"
export AMLGO_PYSPARK_PYTHON="$spark_venv/bin/python"
"$AMLGO_PYSPARK_PYTHON" -c 'import pyspark; print("pyspark", pyspark.__version__)'
java -version 2>&1 | head -1

hadoop_version=3.3.4
hadoop_dir="$cache/hadoop-yarn-$hadoop_version"
hadoop_jars=(
  "org.apache.hadoop:hadoop-client-minicluster:$hadoop_version"
  "org.bouncycastle:bcprov-jdk15on:1.68"
  "org.bouncycastle:bcpkix-jdk15on:1.68"
)
if [ ! -f "$hadoop_dir/.complete" ]; then
  command -v mvn >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends maven >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends maven >/dev/null; }
  rm -rf "$hadoop_dir"
  mkdir -p "$hadoop_dir/m2" "$hadoop_dir/jars"
  for a in "${hadoop_jars[@]}"; do
    mvn -q -B -Dstyle.color=never -Dmaven.repo.local="$hadoop_dir/m2" dependency:copy -Dartifact="$a" -DoutputDirectory="$hadoop_dir/jars" \
      >"$hadoop_dir/mvn.log" 2>&1 || { cat "$hadoop_dir/mvn.log"; exit 1; }
  done
  rm -rf "$hadoop_dir/m2" "$hadoop_dir/mvn.log"
  touch "$hadoop_dir/.complete"
fi
chmod -R a+rX "$hadoop_dir"
AMLGO_HADOOP_JARS=$(find "$hadoop_dir/jars" -name '*.jar' | sort | paste -sd:)
export AMLGO_HADOOP_JARS
echo "hadoop yarn $hadoop_version: $AMLGO_HADOOP_JARS"
