"""Ridge regression on scikit-learn's diabetes data, tracked with the azureml run context."""
import argparse
import os
import pickle

from azureml.core import Run
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import train_test_split

parser = argparse.ArgumentParser()
parser.add_argument("--alpha", type=float, default=0.5)
args = parser.parse_args()

run = Run.get_context()
X, y = load_diabetes(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
print("training Ridge(alpha=%g) on %d samples" % (args.alpha, len(X_train)))
model = Ridge(alpha=args.alpha).fit(X_train, y_train)
pred = model.predict(X_test)
mse, r2 = mean_squared_error(y_test, pred), r2_score(y_test, pred)
run.log("alpha", args.alpha)
run.log("mse", mse)
run.log("r2", r2)
print("alpha %g: mse %.2f, r2 %.4f" % (args.alpha, mse, r2))

os.makedirs("outputs", exist_ok=True)
with open(os.path.join("outputs", "model.pkl"), "wb") as f:
    pickle.dump(model, f)
