# amlgo's bootstrap for a run in a container that shares no file system with the SDK (Azure
# Container Instances). It needs nothing but the image's Python standard library:
#  1. reads its plan from AMLGO_ACI_PLAN (removed from the environment before the script runs):
#     a read-only SAS of the snapshot container, the run manifest's blob name, one SAS per run
#     file it may write, and the kill file's SAS;
#  2. restores the manifest's files (the snapshot under wd/, the driver and the run-context shim)
#     into the run directory, each checked against its SHA-256;
#  3. runs the driver wrapper and, while it runs, appends the new bytes of the logs and the metric
#     records to their append blobs (every append conditional on the blob's length, so a retried
#     append never writes twice), mirrors the driver log to stdout (the container's own log) and
#     turns the kill blob, once it exists, into the wrapper's kill file;
#  4. at the end flushes the logs, uploads the outputs as one tar, then the state files, the exit
#     code last, and exits with the script's exit code.
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

RUN_DIR = os.environ.get("AMLGO_RUN_DIR", "/azureml-run")
PLAN = json.loads(os.environ.pop("AMLGO_ACI_PLAN"))
os.environ.pop("AMLGO_ACI_BOOT", None)
INTERVAL = float(PLAN.get("interval", 1.0))
APPENDED = ["azureml-logs/60_control_log.txt", "azureml-logs/70_driver_log.txt", "metrics.jsonl"]
STATE = ["azureml-setup/started_at", "azureml-setup/ended_at", "azureml-setup/reason"]
MAX_BLOCK = 4 << 20


def local(rel):
    return os.path.join(RUN_DIR, *rel.split("/"))


def control(msg):
    os.makedirs(os.path.dirname(local(APPENDED[0])), exist_ok=True)
    with open(local(APPENDED[0]), "a") as f:
        f.write(msg + "\n")


class HTTPStatus(Exception):
    def __init__(self, code, body):
        Exception.__init__(self, "HTTP %d: %s" % (code, body[:300]))
        self.code = code


def request(method, url, body=None, headers=None, tries=6):
    """One blob request, retried on connection errors and 5xx/429; 4xx raise HTTPStatus."""
    delay = 0.5
    for attempt in range(tries):
        req = urllib.request.Request(url, data=body, method=method)
        req.add_header("x-ms-version", "2021-08-06")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as e:
            data = e.read()
            if e.code < 500 and e.code != 429:
                raise HTTPStatus(e.code, data.decode("utf-8", "replace"))
            err = HTTPStatus(e.code, data.decode("utf-8", "replace"))
        except (urllib.error.URLError, OSError) as e:
            err = e
        if attempt == tries - 1:
            raise err
        time.sleep(delay)
        delay = min(delay * 2, 8)


def blob_url(container_sas, name):
    base, _, token = container_sas.partition("?")
    return base.rstrip("/") + "/" + urllib.parse.quote(name) + "?" + token


def restore():
    _, data, _ = request("GET", blob_url(PLAN["snapshot"], PLAN["manifest"]))
    manifest = json.loads(data)
    for f in manifest["files"]:
        dst = local(f["path"])
        if f.get("dir"):
            os.makedirs(dst, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if "symlink" in f:
            os.symlink(f["symlink"], dst)
            continue
        _, content, _ = request("GET", blob_url(PLAN["snapshot"], "files/" + f["sha256"]))
        if hashlib.sha256(content).hexdigest() != f["sha256"]:
            raise RuntimeError("snapshot file %s does not match its SHA-256" % f["path"])
        with open(dst, "wb") as out:
            out.write(content)
        os.chmod(dst, f.get("mode", 0o644))
    for d in ("wd/outputs", "wd/logs", "azureml-logs", "azureml-setup"):
        os.makedirs(local(d), exist_ok=True)
    return manifest


class Appender:
    """Appends a local file's new bytes to its append blob, exactly once."""

    def __init__(self, rel, url):
        self.rel, self.url, self.sent = rel, url, 0
        self.blob = None  # the blob's length, learned on first use

    def start(self):
        """Learns the blob's length; what the SDK wrote before the container started (its own
        control log lines) is put at the start of the local file, so the file the outputs carry
        is the whole log."""
        try:
            _, _, h = request("HEAD", self.url)
            self.blob = int(h.get("Content-Length", "0"))
        except HTTPStatus as e:
            if e.code != 404:
                raise
            request("PUT", self.url, b"", {"x-ms-blob-type": "AppendBlob", "Content-Length": "0"})
            self.blob = 0
        if self.blob > 0 and self.sent == 0:
            _, head, _ = request("GET", self.url)
            head = head[:self.blob]
            path = local(self.rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            rest = b""
            if os.path.exists(path):
                with open(path, "rb") as f:
                    rest = f.read()
            with open(path, "wb") as f:
                f.write(head + rest)
            self.sent = len(head)

    def sync(self, echo=None):
        try:
            with open(local(self.rel), "rb") as f:
                f.seek(self.sent)
                data = f.read()
        except FileNotFoundError:
            return
        while data:
            if self.blob is None:
                self.start()
            chunk = data[:MAX_BLOCK]
            try:
                request("PUT", self.url + "&comp=appendblock", chunk,
                        {"x-ms-blob-condition-appendpos": str(self.blob), "Content-Length": str(len(chunk))})
            except HTTPStatus as e:
                if e.code != 412:
                    raise
                # A retried append that had already landed: the blob is longer by this chunk.
                _, _, h = request("HEAD", self.url)
                if int(h.get("Content-Length", "0")) != self.blob + len(chunk):
                    raise
            self.blob += len(chunk)
            self.sent += len(chunk)
            if echo is not None:
                echo.write(chunk)
                echo.flush()
            data = data[len(chunk):]


def put_block_blob(url, data):
    request("PUT", url, data, {"x-ms-blob-type": "BlockBlob", "Content-Length": str(len(data))})


def upload_large(url, path):
    """Uploads a file as a block blob in 8 MiB blocks (no size limit of a single put)."""
    ids = []
    with open(path, "rb") as f:
        while True:
            chunk = f.read(8 << 20)
            if not chunk:
                break
            bid = urllib.parse.quote(("%08d" % len(ids)).encode().hex())
            request("PUT", url + "&comp=block&blockid=" + bid, chunk, {"Content-Length": str(len(chunk))})
            ids.append(("%08d" % len(ids)).encode().hex())
    body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>" + "".join(
        "<Latest>%s</Latest>" % i for i in ids) + "</BlockList>"
    request("PUT", url + "&comp=blocklist", body.encode(), {"Content-Length": str(len(body))})


def outputs_tar(path):
    with tarfile.open(path, "w") as tar:
        for root, prefix in (("wd/outputs", "outputs"), ("wd/logs", "logs"), ("azureml-logs", "azureml-logs")):
            top = local(root)
            for dirpath, _, names in os.walk(top):
                for n in sorted(names):
                    full = os.path.join(dirpath, n)
                    if os.path.islink(full) or not os.path.isfile(full):
                        continue
                    rel = os.path.relpath(full, top).replace(os.sep, "/")
                    tar.add(full, arcname=prefix + "/" + rel, recursive=False)


class Syncer(threading.Thread):
    def __init__(self):
        threading.Thread.__init__(self, daemon=True)
        self.appenders = [Appender(rel, PLAN["files"][rel]) for rel in APPENDED]
        self.stop_flag = threading.Event()
        self.started_sent = False
        self.error = None

    def once(self):
        for a in self.appenders:
            a.sync(sys.stdout.buffer if a.rel == APPENDED[1] else None)
        if not self.started_sent and os.path.exists(local(STATE[0])):
            with open(local(STATE[0]), "rb") as f:
                put_block_blob(PLAN["files"][STATE[0]], f.read())
            self.started_sent = True
        if not os.path.exists(local("azureml-setup/killfile")):
            try:
                request("HEAD", PLAN["kill"], tries=2)
                open(local("azureml-setup/killfile"), "w").close()
            except HTTPStatus as e:
                if e.code != 404:
                    raise

    def run(self):
        while not self.stop_flag.wait(INTERVAL):
            try:
                self.once()
            except Exception as e:  # keep trying: the final flush reports what is still wrong
                self.error = e


def main():
    syncer = Syncer()
    for a in syncer.appenders:
        a.start()
    control("amlgo: restoring run %s in the container" % os.environ.get("AZUREML_RUN_ID", ""))
    try:
        manifest = restore()
    except Exception as e:
        control("amlgo: restoring the run's files failed: %s" % e)
        syncer.once()
        put_block_blob(PLAN["files"]["azureml-setup/reason"], b"terminated\n")
        put_block_blob(PLAN["files"]["azureml-setup/exit_code"], b"1\n")
        return 1
    control("amlgo: restored %d files; starting the driver" % len(manifest["files"]))
    syncer.once()
    syncer.start()
    with open(local(APPENDED[0]), "ab") as errlog:
        proc = subprocess.Popen(manifest["command"], cwd=local("wd"), stderr=errlog)
        proc.wait()
    syncer.stop_flag.set()
    syncer.join()
    code_path = local("azureml-setup/exit_code")
    code = b"%d\n" % proc.returncode
    if os.path.exists(code_path):
        with open(code_path, "rb") as f:
            code = f.read()
    syncer.once()
    tar_path = "/tmp/amlgo-outputs.tar"
    outputs_tar(tar_path)
    upload_large(PLAN["outputs"], tar_path)
    for rel in STATE[1:]:
        if os.path.exists(local(rel)):
            with open(local(rel), "rb") as f:
                put_block_blob(PLAN["files"][rel], f.read())
    put_block_blob(PLAN["files"]["azureml-setup/exit_code"], code)
    try:
        return int(code.strip())
    except ValueError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
