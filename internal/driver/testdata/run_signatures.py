"""Describes the public members of azureml.core.run's Run, _SubmittedRun and _OfflineRun
twice in one process: the real azureml-core's first, then the run-context shim's (the "shim" directory named on stdin,
imported after the real azureml is dropped from sys.modules). Writes
{"real": {class: {...}}, "shim": {class: {...}}} to the file named by argv[1]: for each
public name its kind
(method, classmethod, staticmethod, property, attribute) and inspect.signature as a string
(None for properties and attributes). The oracle of shim_oracle_test.go.

    AMLGO_AZUREML_PYTHON run_signatures.py OUT <<< '{"shim": "internal/driver/shim"}'
"""
import importlib
import inspect
import json
import os
import sys


def describe(cls):
    out = {}
    for name in dir(cls):
        if name.startswith("_"):
            continue
        raw = inspect.getattr_static(cls, name)
        if isinstance(raw, property):
            kind, sig = "property", None
        elif isinstance(raw, classmethod):
            kind, sig = "classmethod", str(inspect.signature(raw.__func__))
        elif isinstance(raw, staticmethod):
            kind, sig = "staticmethod", str(inspect.signature(raw.__func__))
        elif inspect.isfunction(raw):
            kind, sig = "method", str(inspect.signature(raw))
        else:
            kind, sig = "attribute", None
        out[name] = {"kind": kind, "signature": sig}
    return out


# Run.get_context() returns a _SubmittedRun (a Run) inside a submitted run and an _OfflineRun
# outside one; the shim's Run and _OfflineRun stand for them.
CLASSES = ["Run", "_SubmittedRun", "_OfflineRun"]


def describe_module():
    mod = importlib.import_module("azureml.core.run")
    return {name: describe(getattr(mod, name)) for name in CLASSES if hasattr(mod, name)}


def main():
    shim = os.path.abspath(json.load(sys.stdin)["shim"])
    real = describe_module()
    for mod in [m for m in sys.modules if m == "azureml" or m.startswith("azureml.")]:
        del sys.modules[mod]
    sys.path.insert(0, shim)
    ours = describe_module()
    if not os.path.abspath(sys.modules["azureml"].__file__).startswith(shim + os.sep):
        raise SystemExit("the shim was not imported: " + sys.modules["azureml"].__file__)
    with open(sys.argv[1], "w") as f:
        json.dump({"real": real, "shim": ours}, f)


main()
