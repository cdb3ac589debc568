# Differential-test oracle for runconfig: for each case, loads <dir>/... with azureml-core's
# RunConfiguration.load(path=dir, name=name), records the error or repr(rc) (json.dumps of
# _serialize_to_dict, conda specification inline), then saves it with rc.save(path=out,
# name="saved.runconfig") into the empty project directory out (with .azureml/) and records
# every file written there. Input on stdin: {"cases": [{"dir", "name", "out"}]}; the answer
# goes to the file named by argv[1].
import io
import json
import logging
import os
import sys
import contextlib

logging.disable(logging.CRITICAL)
from azureml.core.runconfig import RunConfiguration


def files_under(root):
    found = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            with open(p, encoding="utf-8") as f:
                found[os.path.relpath(p, root).replace(os.sep, "/")] = f.read()
    return found


def err(e):
    return {"type": type(e).__name__, "message": str(e)[:600]}


def one(c):
    res = {}
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        try:
            rc = RunConfiguration.load(path=c["dir"], name=c["name"])
            res["repr"] = repr(rc)
        except Exception as e:  # noqa: BLE001 - every failure is an answer
            res["load_error"] = err(e)
            return res
        try:
            rc.save(path=c["out"], name="saved.runconfig")
        except Exception as e:  # noqa: BLE001
            res["save_error"] = err(e)
        res["saved"] = files_under(c["out"])
    return res


def main():
    cases = json.load(sys.stdin)["cases"]
    out = [one(c) for c in cases]
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump({"cases": out}, f)


main()
