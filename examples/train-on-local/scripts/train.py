"""Ridge regression in pure Python, tracked with the azureml run context.

Generates a deterministic regression dataset, fits ridge regression for one
regularization strength (--alpha) by solving the normal equations, logs the
test error through Run.get_context() and writes the model to outputs/model.json.
Runs unchanged on Azure ML or on amlgo; needs nothing beyond the standard library.
"""
import argparse
import json
import math
import os
import random

from azureml.core import Run

FEATURES = ["age", "bmi", "bp", "s1", "s2"]
TRUE_WEIGHTS = [0.8, 3.1, 1.7, -0.9, 0.4]


def make_dataset(n=240, seed=7):
    rng = random.Random(seed)
    rows, targets = [], []
    for _ in range(n):
        x = [rng.gauss(0.0, 1.0) for _ in FEATURES]
        x[4] = 0.85 * x[3] + 0.15 * rng.gauss(0.0, 1.0)  # correlated features: ridge helps
        y = 2.5 + sum(w * v for w, v in zip(TRUE_WEIGHTS, x)) + rng.gauss(0.0, 2.0)
        rows.append(x)
        targets.append(y)
    return rows, targets


def solve(a, b):
    """Solves a·x = b by Gaussian elimination with partial pivoting."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def fit_ridge(rows, targets, alpha):
    """Fits y = b + w·x minimizing |y - b - Xw|² + alpha·|w|² (intercept not penalized)."""
    xs = [[1.0] + r for r in rows]
    k = len(xs[0])
    xtx = [[sum(x[i] * x[j] for x in xs) for j in range(k)] for i in range(k)]
    for i in range(1, k):
        xtx[i][i] += alpha * len(xs)
    xty = [sum(x[i] * y for x, y in zip(xs, targets)) for i in range(k)]
    coef = solve(xtx, xty)
    return coef[0], coef[1:]


def predict(intercept, weights, row):
    return intercept + sum(w * v for w, v in zip(weights, row))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--alpha", type=float, default=0.5)
    args = parser.parse_args()

    run = Run.get_context()
    rows, targets = make_dataset()
    split = int(len(rows) * 0.8)
    train_x, train_y = rows[:split], targets[:split]
    test_x, test_y = rows[split:], targets[split:]
    print("training ridge regression on {} rows, testing on {} rows".format(len(train_x), len(test_x)))

    intercept, weights = fit_ridge(train_x, train_y, args.alpha)
    preds = [predict(intercept, weights, r) for r in test_x]
    mse = sum((p - y) ** 2 for p, y in zip(preds, test_y)) / len(test_y)
    mean_y = sum(test_y) / len(test_y)
    r2 = 1 - sum((p - y) ** 2 for p, y in zip(preds, test_y)) / sum((y - mean_y) ** 2 for y in test_y)

    run.log("alpha", args.alpha)
    run.log("mse", mse)
    run.log("r2", r2)
    run.log_list("coefficients", [round(w, 6) for w in weights])
    for name, w in zip(FEATURES, weights):
        run.log_row("weights", feature=name, weight=round(w, 6))
    print("alpha is {:.2f}, and mse is {:.4f} (r2 {:.4f})".format(args.alpha, mse, r2))

    os.makedirs("outputs", exist_ok=True)
    model = {"type": "ridge", "alpha": args.alpha, "intercept": intercept,
             "weights": dict(zip(FEATURES, weights)), "test_mse": mse}
    with open(os.path.join("outputs", "model.json"), "w") as f:
        json.dump(model, f, indent=2)
    print("model written to outputs/model.json")
    if math.isnan(mse):
        raise SystemExit("training diverged")


if __name__ == "__main__":
    main()
