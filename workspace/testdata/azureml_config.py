"""Runs Workspace.from_config of the real azureml-core without a network (the oracle of
config_oracle_test.go). Reads {"cases": [{"cwd", "home", "path"}]} as JSON on stdin and
writes, for each case, the configuration file azureml found and the workspace it names, or
azureml's error, to the file named by argv[1].

Workspace.get is replaced by a function that returns its arguments, and the path that
from_config hands to project_info.get_workspace_info is recorded; everything else (the
search, the parsing of the file) is azureml's own code.

    AMLGO_AZUREML_PYTHON azureml_config.py OUT < cases.json
"""
import json
import os
import sys

import azureml._project.project_info as project_info
from azureml.core.workspace import Workspace
from azureml.exceptions import AzureMLException

found = {}
read_workspace_info = project_info.get_workspace_info


def spy(found_path):
    found["path"] = found_path
    return read_workspace_info(found_path)


def fake_get(name, auth=None, subscription_id=None, resource_group=None, **kwargs):
    return {"subscription_id": subscription_id, "resource_group": resource_group, "workspace_name": name}


project_info.get_workspace_info = spy
Workspace.get = staticmethod(fake_get)


def error_text(e):
    if isinstance(e, AzureMLException):
        return e.message
    return "PY:{}: {}".format(type(e).__name__, str(e).split("\n")[0])


def run_case(case):
    found.clear()
    os.chdir(case["cwd"])
    os.environ["HOME"] = case["home"]
    out = {}
    try:
        got = Workspace.from_config(path=case["path"] or None)
        # Values the file gave that are not strings are reported as such.
        for k, v in got.items():
            out[k] = v if isinstance(v, str) else {"not_a_string": repr(v)}
    except Exception as e:
        out["error"] = error_text(e)
    out["path"] = found.get("path")
    return out


def main():
    batch = json.load(sys.stdin)
    answers = [run_case(c) for c in batch["cases"]]
    with open(sys.argv[1], "w") as f:
        json.dump({"cases": answers}, f)


main()
