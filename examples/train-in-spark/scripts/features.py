"""The iris columns and their parsing, imported by the driver and by Spark's executors."""

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def parse(row):
    out = dict((c, float(row[c])) for c in COLUMNS)
    out["species"] = row["species"]
    return out


def valid(row):
    return all(row[c] > 0 for c in COLUMNS)
