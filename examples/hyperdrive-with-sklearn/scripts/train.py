"""Logistic regression on scikit-learn's bundled digits, trained by stochastic gradient descent.

One child run of the sweep: --alpha (the regularization strength) and --eta0 (the learning
rate) come from the HyperDrive sampling; the accuracy on a held-out set is logged after every
epoch, so that an early-termination policy can compare runs epoch by epoch. The model goes to
outputs/model.pkl. Runs unchanged on Azure ML or on amlgo.
"""
import argparse
import os
import pickle

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split

from azureml.core import Run

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--alpha", type=float, required=True)
parser.add_argument("--eta0", type=float, required=True)
args = parser.parse_args()

run = Run.get_context()
x, y = load_digits(return_X_y=True)
x = x / 16.0
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=0)
model = SGDClassifier(loss="log_loss", alpha=args.alpha, learning_rate="constant", eta0=args.eta0, random_state=0)
classes = np.unique(y)
for epoch in range(args.epochs):
    model.partial_fit(x_train, y_train, classes=classes)
    accuracy = model.score(x_test, y_test)
    print("epoch %d accuracy %.4f" % (epoch + 1, accuracy), flush=True)
    run.log("accuracy", accuracy)

os.makedirs("outputs", exist_ok=True)
with open("outputs/model.pkl", "wb") as f:
    pickle.dump(model, f)
