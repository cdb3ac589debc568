# Reads [{"image": ..., "conda": ...}] on stdin and writes, into argv[1], the version azure-ai-ml
# gives each anonymous environment, with the conda string it hashed (its YAML re-dump).
import json, sys, tempfile, os
from azure.ai.ml.entities import Environment

cases = json.load(sys.stdin)
out = []
for c in cases:
    kw = {"image": c["image"]}
    path = None
    if c.get("conda"):
        fd, path = tempfile.mkstemp(suffix=".yml")
        with os.fdopen(fd, "w") as f:
            f.write(c["conda"])
        kw["conda_file"] = path
    env = Environment(**kw)
    out.append({"version": env.version, "name": env.name, "hashed_conda": getattr(env, "_translated_conda_file", None)})
    if path:
        os.remove(path)
json.dump(out, open(sys.argv[1], "w"))
