"""Oracle for internal/codeasset: azure-ai-ml's own content hash of directories.

stdin: {"dirs": [absolute directory, ...]}
argv[1]: where to write [{"hash": get_content_hash(dir, IgnoreFile()), "order": [relative
path, ...] in the order the hash reads the files}, ...]
"""
import json
import sys

from azure.ai.ml._utils._asset_utils import IgnoreFile, get_content_hash, get_upload_files_from_folder

req = json.load(sys.stdin)
out = []
for d in req["dirs"]:
    ignore = IgnoreFile()  # no ignore file: nothing excluded
    files = get_upload_files_from_folder(d, ignore_file=ignore)
    order = [rel for _, rel in sorted(files, key=lambda x: str(x[1]).lower())]
    out.append({"hash": get_content_hash(d, ignore), "order": order})
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump(out, f)
