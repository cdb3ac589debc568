"""Runs a batch of CondaDependencies cases through the real azureml-core (the oracle of
oracle_live_test.go). Reads {"cases": [...]} as JSON on stdin and writes the cases back, each
with azureml's results in the format of the recorded cases (see README.md), to the file
named by argv[1]. A case either loads "input" from a file or calls CondaDependencies.create
with "create", then applies "ops" one by one, serializing after each.

    AMLGO_AZUREML_PYTHON azureml_conda.py OUT < cases.json
"""
import json
import os
import sys
import tempfile

from azureml.core.conda_dependencies import CondaDependencies
from azureml.exceptions import AzureMLException
import azureml._project.project_manager as project_manager

OPS = {
    "add_conda": "add_conda_package",
    "remove_conda": "remove_conda_package",
    "add_pip": "add_pip_package",
    "remove_pip": "remove_pip_package",
    "set_pip_option": "set_pip_option",
    "remove_pip_option": "remove_pip_option",
    "add_channel": "add_channel",
    "remove_channel": "remove_channel",
    "set_python": "set_python_version",
    "set_pip_index_url": "set_pip_index_url",
}


def error_text(e):
    """azureml's own message, or "PY:<type>: <first line>" for any other exception."""
    if isinstance(e, AzureMLException):
        return e.message
    first = str(e).split("\n")[0]
    return "PY:{}: {}".format(type(e).__name__, first)


def prop(fn):
    try:
        v = fn()
        json.dumps(v)
        return v
    except Exception as e:  # reported, compared only where both sides can say something
        return {"error": error_text(e)}


def props(cd):
    return {
        "conda_packages": prop(lambda: list(cd.conda_packages)),
        "pip_packages": prop(lambda: list(cd.pip_packages)),
        "pip_options": prop(lambda: list(cd.pip_options)),
        "channels": prop(lambda: list(cd.conda_channels)),
        "python_version": prop(cd.get_python_version),
        "as_dict": prop(lambda: json.loads(json.dumps(cd.as_dict()))),
    }


def serialize(cd, into):
    try:
        into["output"] = cd.serialize_to_string()
        return True
    except Exception as e:
        into["serialize_error"] = error_text(e)
        return False


def run_case(case, tmp):
    try:
        if case.get("create") is not None:
            cd = CondaDependencies.create(**case["create"])
        else:
            path = os.path.join(tmp, "conda_dependencies.yml")
            with open(path, "wb") as f:
                f.write(case["input"].encode("utf-8"))
            cd = CondaDependencies(conda_dependencies_file_path=path)
    except Exception as e:
        case["load_error"] = error_text(e)
        return
    first = {}
    if not serialize(cd, first):
        case["serialize_error"] = first["serialize_error"]
        return
    case["output0"] = first["output"]
    case["props0"] = props(cd)
    steps = []
    for op, arg in case.get("ops") or []:
        step = {}
        try:
            getattr(cd, OPS[op])(arg)
        except Exception as e:
            step["error"] = error_text(e)
        ok = serialize(cd, step)
        steps.append(step)
        if not ok:
            break
    case["steps"] = steps
    case["props"] = props(cd)


def main():
    batch = json.load(sys.stdin)
    out = {"sdk_scope": project_manager._sdk_scope(), "cases": batch["cases"]}
    with tempfile.TemporaryDirectory() as tmp:
        for case in out["cases"]:
            run_case(case, tmp)
    with open(sys.argv[1], "w") as f:
        json.dump(out, f)


main()
