# Trains a logistic regression on the iris data with pyspark.ml, as the Spark notebook of
# azureml's samples does, and logs its metrics through the azureml run context. The CSV is read
# on the driver and handed to Spark, so the same script runs on local[*] and on a YARN cluster,
# where a relative path would name a file on the cluster's default file system instead.
import argparse
import csv
import os

from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.evaluation import MulticlassClassificationEvaluator
from pyspark.ml.feature import StringIndexer, VectorAssembler
from pyspark.sql import SparkSession

from azureml.core import Run

import features  # a module of this source directory: shipped to the driver and executors

parser = argparse.ArgumentParser()
parser.add_argument("--reg", type=float, default=0.01)
parser.add_argument("--max-iter", type=int, default=50)
args = parser.parse_args()

run = Run.get_context()
spark = SparkSession.builder.getOrCreate()
print("Spark %s master %s" % (spark.version, spark.sparkContext.master))

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "iris.csv")) as f:
    rows = [features.parse(r) for r in csv.DictReader(f)]
df = spark.createDataFrame(rows)
train, test = df.randomSplit([0.7, 0.3], seed=7)
print("rows %d train %d test %d" % (df.count(), train.count(), test.count()))

pipeline = Pipeline(stages=[
    StringIndexer(inputCol="species", outputCol="label"),
    VectorAssembler(inputCols=features.COLUMNS, outputCol="features"),
    LogisticRegression(regParam=args.reg, maxIter=args.max_iter),
])
model = pipeline.fit(train)
predictions = model.transform(test)
# The executors import features too: the check runs in tasks.
assert predictions.rdd.map(lambda r: features.valid(r.asDict())).reduce(lambda a, b: a and b)

evaluator = MulticlassClassificationEvaluator(labelCol="label", predictionCol="prediction")
accuracy = evaluator.evaluate(predictions, {evaluator.metricName: "accuracy"})
f1 = evaluator.evaluate(predictions, {evaluator.metricName: "f1"})
run.log("regularization rate", args.reg)
run.log("max iterations", args.max_iter)
run.log("accuracy", accuracy)
run.log("f1", f1)
print("accuracy %.4f f1 %.4f" % (accuracy, f1))
spark.stop()
