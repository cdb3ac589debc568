"""azure-ai-ml's own code upload, for internal/bench/codeupload.

argv: DIR SAS_CONTAINER_URL OUT_JSON. Uploads DIR as CodeOperations.create_or_update does for a
workspace code asset after startPendingUpload: _check_and_upload_path -> _upload_to_datastore
(sas_uri=the temporary container) -> upload_artifact -> BlobStorageClient.upload ->
upload_directory. The asset hash _upload_to_datastore would compute (get_object_hash) is timed
on its own and passed in, so "upload" is the uploader alone; its CPU time (all threads) too.
"""
import json
import sys
import time
import uuid

from azure.ai.ml._artifacts._artifact_utilities import _upload_to_datastore
from azure.ai.ml._utils._asset_utils import IgnoreFile, get_object_hash
from azure.ai.ml.exceptions import ErrorTarget

src, sas_uri, out = sys.argv[1:4]
ignore = IgnoreFile()
t0 = time.perf_counter()
asset_hash = get_object_hash(src, ignore)
t1 = time.perf_counter()
c1 = time.process_time()
info = _upload_to_datastore(
    None, None, src, artifact_type=ErrorTarget.CODE, asset_name=str(uuid.uuid4()), asset_version="1",
    asset_hash=asset_hash, ignore_file=ignore, sas_uri=sas_uri, blob_uri=sas_uri.split("?")[0],
    show_progress=False)
t2 = time.perf_counter()
c2 = time.process_time()
with open(out, "w") as f:
    json.dump({"hash_seconds": t1 - t0, "upload_seconds": t2 - t1, "upload_cpu_seconds": c2 - c1,
               "relative_path": info.relative_path,
               "indicator_file": info.indicator_file}, f)
