"""The oracle of params_oracle_test.go: builds each case with the real azureml-train-core and
writes, per case, azureml's JSON (to_json() or the expression's list) or its error message.

    python params_oracle.py OUT < cases.json
"""
import json
import sys

from azureml.train.hyperdrive import (BanditPolicy, BayesianParameterSampling, GridParameterSampling,
                                      MedianStoppingPolicy, NoTerminationPolicy, RandomParameterSampling,
                                      TruncationSelectionPolicy)
from azureml.train.hyperdrive import parameter_expressions as pe

SAMPLINGS = {"random": RandomParameterSampling, "grid": GridParameterSampling, "bayesian": BayesianParameterSampling}
POLICIES = {"bandit": BanditPolicy, "median": MedianStoppingPolicy, "truncation": TruncationSelectionPolicy,
            "none": NoTerminationPolicy}


def expr(e):
    return getattr(pe, e["name"])(*e.get("args", []))


def build(case):
    kind = case["kind"]
    if kind == "expr":
        return expr(case)
    if kind == "sampling":
        space = case.get("space", {})
        space = None if space is None else {k: expr(v) for k, v in space.items()}
        if case["cls"] == "random":
            return SAMPLINGS["random"](space, properties=case.get("properties")).to_json()
        return SAMPLINGS[case["cls"]](space).to_json()
    return POLICIES[case["cls"]](**case.get("kwargs", {})).to_json()


def main():
    cases = json.load(sys.stdin)
    out = []
    for case in cases:
        try:
            out.append({"json": build(case)})
        except Exception as e:  # azureml's HyperDriveConfigException and its peers
            out.append({"error": getattr(e, "message", None) or str(e), "type": type(e).__name__})
    with open(sys.argv[1], "w") as f:
        json.dump(out, f)


main()
