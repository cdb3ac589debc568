"""Answers snapshot questions with the real azureml-core (the oracle of oracle_live_test.go).
Reads {"ignore": [...], "trees": [...]} as JSON on stdin; writes the answers to argv[1].

ignore: {"text": <.amlignore content>, "paths": [relative paths]} -> for each path whether
    AmlIgnoreFile(dir).is_file_excluded(<dir>/<path>) is true (the call the snapshot walk
    makes, with the absolute path), or the exception pathspec raised compiling the file.
trees: {"dir": <absolute directory>, "max_size": N, "max_files": N} -> what
    SnapshotsClient.create_snapshot does before it talks to the service: the size check
    (SNAPSHOT_MAX_SIZE_BYTES set to max_size), the Merkle tree of the files it would upload
    (create_merkletree with the project's ignore file), and the file-count check
    (SNAPSHOT_MAX_FILES set to max_files) on the files added since an empty previous snapshot.

    AMLGO_AZUREML_PYTHON azureml_snapshot.py OUT < batch.json
"""
import json
import os
import sys
import tempfile

import pathspec
import azureml._restclient.snapshots_client as snapshots_client
from azureml._base_sdk_common.merkle_tree import DirTreeNode, create_merkletree
from azureml._base_sdk_common.merkle_tree_differ import compute_diff
from azureml._project.ignore_file import AmlIgnoreFile, get_project_ignore_file
from azureml.exceptions import AzureMLException

Client = snapshots_client.SnapshotsClient


def error_text(e):
    if isinstance(e, AzureMLException):
        return e.message
    return "PY:{}: {}".format(type(e).__name__, str(e).split("\n")[0])


def ignore_case(case, tmp):
    d = tempfile.mkdtemp(dir=tmp)
    with open(os.path.join(d, ".amlignore"), "wb") as f:
        f.write(case["text"].encode("utf-8"))
    ignore = AmlIgnoreFile(d)
    bits = []
    try:
        for p in case["paths"]:
            bits.append("1" if ignore.is_file_excluded(os.path.normpath(os.path.join(d, p))) else "0")
    except Exception as e:  # the patterns compile on the first call
        return {"error": type(e).__name__}
    return {"m": "".join(bits)}


def walk(node, prefix, files, dirs):
    for child in node.children:
        path = prefix + child.name
        if child.is_file():
            files.append(path)
        else:
            dirs.append(path)
            walk(child, path + "/", files, dirs)


def tree_case(case):
    d = case["dir"]
    out = {}
    try:
        exclude = get_project_ignore_file(d).is_file_excluded
        snapshots_client.SNAPSHOT_MAX_SIZE_BYTES = case["max_size"]
        Client._validate_snapshot_size(None, d, exclude, True)
        root = create_merkletree(d, exclude)
        files, dirs = [], []
        walk(root, "", files, dirs)
        out["files"], out["dirs"] = files, dirs
        entries = compute_diff(DirTreeNode(), root)
        added = [e for e in entries if e.operation_type in ("added", "modified") and e.is_file]
        out["added"] = len(added)
        snapshots_client.SNAPSHOT_MAX_FILES = case["max_files"]
        Client._validate_snapshot_file_count(None, d, len(added), True)
    except Exception as e:
        out["error"] = error_text(e)
    return out


def main():
    batch = json.load(sys.stdin)
    os.environ.pop("AML_SNAPSHOT_NO_FILE_LIMIT", None)
    out = {"pathspec": pathspec.__version__}
    with tempfile.TemporaryDirectory() as tmp:
        out["ignore"] = [ignore_case(c, tmp) for c in batch.get("ignore") or []]
    out["trees"] = [tree_case(c) for c in batch.get("trees") or []]
    with open(sys.argv[1], "w") as f:
        json.dump(out, f)


main()
