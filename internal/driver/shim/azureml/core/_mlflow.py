"""Forwarding of run-context records to an MLflow tracking server (stdlib only: urllib, json).

Active when the environment has MLFLOW_TRACKING_URI (http://, https:// or a workspace's
azureml://{host}/mlflow/v1.0/... URI, which becomes https://{host}/mlflow/v2.0/...) and
MLFLOW_RUN_ID, as an Azure ML service job has. Every call of the run (not of its children) is
mapped to MLflow run data and sent with runs/log-batch, with "Authorization: Bearer
$MLFLOW_TRACKING_TOKEN" when that is set. metrics.jsonl is still written when AMLGO_RUN_DIR is set.

Mapping (MLflow metrics are doubles with a timestamp in ms and an integer step):

    run.log(name, v, step=None)  one value of metric `name`; bools as 1.0/0.0; step = the given
                                 one, else the next of that name (0, 1, 2, ...), so repeated
                                 calls make the series azureml shows as a list
    run.log_list(name, [...])    one value per element, at the next steps of `name`
    run.log_row(name, c=v, ...)  one value of metric `name/c` per numeric column, all at the
                                 row's step (the next step of `name`)
    run.log_table(name, {c: []}) row i of the table as log_row would log it
    run.tag(k, v), set_tags      run tag k = str(v) ("" for None)
    type of a list/row/table     tag amlgo.metric_type.<name> = list|row|table (once), so a
                                 reader can rebuild azureml's get_metrics() shapes

Not sent: string metric values (MLflow has none; warned once per name), images, confusion
matrices and the other object metrics, properties, files, statuses, child runs and their data.
Names MLflow would refuse (characters outside letters, digits, _ - . space : /, more than 250
characters, or '..' path tricks) are skipped with a warning. Those records stay in metrics.jsonl.

Sending: values are buffered and sent in runs/log-batch calls of at most 1000 entities, 100 tags
and 250 values of one metric (Azure ML's limit), from a background thread every
AMLGO_MLFLOW_FLUSH_SECONDS (default 5) or as soon as 1000 values wait, by run.flush(),
run.complete()/fail(), and at interpreter exit (atexit, bounded by AMLGO_MLFLOW_EXIT_SECONDS,
default 30). Throttling (429), server errors (5xx) and unreachable servers are retried a bounded
number of times; a batch the server refuses (400) is halved until the refused value is found and
dropped. Nothing here raises into the script: failures print one "amlgo: ..." warning on stderr.
Lost on SIGKILL, SIGTERM with the default handler, or os._exit: the values still in the buffer
(at most the last flush interval's worth); metrics.jsonl has them.
"""
import atexit
import json
import os
import posixpath
import re
import sys
import threading
import time

from urllib.parse import urlsplit
# urllib.request (with http.client, ssl and email) is imported by _post, when a record is first
# sent: a run that logs to no MLflow server does not pay for it at start.

_FLUSH_AT = 1000          # pending values that wake the sender at once
_MAX_PENDING = 100000     # beyond: the logging call sends itself, or (server down) drops
_MAX_ENTITIES = 1000
_MAX_TAGS = 100
_MAX_PER_KEY = 250
_MAX_BYTES = 512 * 1024
_MAX_KEY = 250
_TIMEOUT = 20.0           # one HTTP request
_RETRIES = 4              # per batch while the server looked healthy; 0 once it did not
_NAME_RE = re.compile(r"^[/\w.\- :]*$")
_TYPE_TAG = "amlgo.metric_type."


def tracking_base(uri):
    """The REST API root of a tracking URI (see mlflowrest.TrackingBase); ValueError if none."""
    uri = (uri or "").strip()
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if "@" in parts.netloc:
        raise ValueError("credentials in the tracking URI are not supported")
    if not parts.netloc:
        raise ValueError("tracking URI {!r} has no host".format(uri))
    path = parts.path.rstrip("/")
    rest = None
    for v in ("/mlflow/v1.0", "/mlflow/v2.0"):
        if path.startswith(v) and (len(path) == len(v) or path[len(v)] == "/"):
            rest = path[len(v):]
    if scheme == "azureml":
        if rest is None:
            raise ValueError("an azureml:// tracking URI's path starts with /mlflow/v1.0 or /mlflow/v2.0")
        scheme, path = "https", "/mlflow/v2.0" + rest
    elif scheme == "https":
        if rest is not None:
            path = "/mlflow/v2.0" + rest
    elif scheme != "http":
        raise ValueError("tracking URI scheme {!r} has no REST API".format(parts.scheme))
    return scheme + "://" + parts.netloc + path


# The mlflow package deletes MLFLOW_RUN_ID from the environment when it starts that run: keep
# the value seen when azureml.core was imported, and ask mlflow for its active run after that.
_RUN_ID_AT_IMPORT = os.environ.get("MLFLOW_RUN_ID")


def _mlflow_active_run_id():
    mlflow = sys.modules.get("mlflow")
    try:
        run = mlflow.active_run() if mlflow is not None else None
        return run.info.run_id if run is not None else None
    except Exception:  # noqa: BLE001 - not the mlflow we know
        return None


def from_environ(source_run_id=None):
    """A Forwarder for the MLflow run the environment names, or None."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    run_id = os.environ.get("MLFLOW_RUN_ID") or _RUN_ID_AT_IMPORT or _mlflow_active_run_id()
    if not uri or not run_id:
        return None
    try:
        base = tracking_base(uri)
    except ValueError as e:
        if urlsplit(uri.strip()).scheme.lower() in ("azureml", "http", "https"):
            _stderr("amlgo: MLFLOW_TRACKING_URI is not usable ({}); metrics are not sent to MLflow".format(e))
        return None  # file:, databricks...: nothing for the shim to do
    return Forwarder(base, run_id, source_run_id or run_id)


def _stderr(msg):
    try:
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - a closed stderr must not break the script
        pass


def _env_float(name, default):
    try:
        v = float(os.environ.get(name, ""))
        return v if v >= 0 else default
    except ValueError:
        return default


def _number(v):
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    return None


def _bad_name(name):
    if not isinstance(name, str) or len(name) > _MAX_KEY or not _NAME_RE.match(name):
        return True
    norm = posixpath.normpath(name)
    return norm != name or norm == "." or norm.startswith("..") or norm.startswith("/")


class Forwarder(object):
    """Buffers the MLflow entities of one run and sends them (thread-safe, fork-aware)."""

    def __init__(self, base, run_id, source_run_id):
        self.base = base
        self.run_id = run_id
        self.source_run_id = source_run_id
        self.interval = _env_float("AMLGO_MLFLOW_FLUSH_SECONDS", 5.0)
        self.exit_seconds = _env_float("AMLGO_MLFLOW_EXIT_SECONDS", 30.0)
        self._reset()
        self._child_hook = False
        atexit.register(self._at_exit)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self):
        self._reset()
        self._child_hook = True

    def _hook_child_exit(self):
        """A multiprocessing child ends with os._exit, without atexit: flush from its finalizers
        (registered here, after multiprocessing cleared the ones inherited from the parent)."""
        self._child_hook = False
        mp = sys.modules.get("multiprocessing.util")
        if mp is not None:
            mp.Finalize(None, self._at_exit, exitpriority=100)

    def _reset(self):
        """Fresh state (also in a forked child: the parent sends what it had buffered)."""
        self._pid = os.getpid()
        self._lock = threading.RLock()     # the buffer; never held while sending
        self._send_lock = threading.Lock()  # one sender at a time
        self._wake = threading.Event()
        self._pending = []
        self._steps = {}
        self._typed = set()
        self._warned = set()
        self._thread = None
        self._healthy = True
        self._disabled = False
        self._dropped = 0
        self._stopping = False

    # -- mapping ----------------------------------------------------------------------------

    def handle(self, run_id, kind, fields):
        """Map one record of the run context to MLflow entities and buffer them; never raises."""
        try:
            if os.getpid() != self._pid:
                self._after_fork()  # Python 3.6: no register_at_fork
            if self._child_hook:
                self._hook_child_exit()
            if run_id != self.source_run_id or self._disabled:
                return
            ents = self._map(kind, fields, int(time.time() * 1000))
            if ents:
                self._add(ents)
        except Exception as e:  # noqa: BLE001 - logging must not break the script
            self._warn("internal", "amlgo: MLflow forwarding failed ({}: {}); metrics.jsonl is complete"
                       .format(type(e).__name__, e))

    def _next_step(self, name, step=None, count=1):
        with self._lock:
            cur = self._steps.get(name, 0)
            first = cur if step is None else step
            self._steps[name] = max(cur, first + count)
            return first

    def _metric(self, out, key, value, ts, step):
        v = _number(value)
        if v is None:
            self._warn("string:" + key, "amlgo: MLflow has no string metrics; {!r} is not sent "
                       "(kept in metrics.jsonl)".format(key))
            return
        if _bad_name(key):
            self._warn("name:" + key, "amlgo: metric name {!r} is not valid in MLflow; not sent "
                       "(kept in metrics.jsonl)".format(key))
            return
        out.append({"key": key, "value": v, "timestamp": ts, "step": step})

    def _map(self, kind, fields, ts):
        out = []
        if kind == "tag":
            key, value = fields.get("key"), fields.get("value")
            if _bad_name(key):
                self._warn("name:" + str(key), "amlgo: tag key {!r} is not valid in MLflow; not sent".format(key))
            else:
                out.append({"tag": True, "key": key, "value": "" if value is None else str(value)})
            return out
        if kind != "metric":
            return out
        mtype, name, value = fields.get("type"), fields.get("name"), fields.get("value")
        if mtype == "scalar":
            if _number(value) is not None:
                self._metric(out, name, value, ts, self._next_step(name, fields.get("step")))
            else:
                self._metric(out, name, value, ts, 0)  # warns
        elif mtype == "list":
            first = self._next_step(name, count=len(value))
            for i, v in enumerate(value):
                self._metric(out, name, v, ts, first + i)
        elif mtype in ("row", "table"):
            rows = [value] if mtype == "row" else [
                dict((c, col[i]) for c, col in value.items() if i < len(col))
                for i in range(max([len(col) for col in value.values()] or [0]))]
            first = self._next_step(name, count=len(rows))
            for i, row in enumerate(rows):
                for col in sorted(row):
                    self._metric(out, "{}/{}".format(name, col), row[col], ts, first + i)
        else:
            return out  # images and object metrics are artifacts, not MLflow metrics
        if mtype != "scalar" and out and name not in self._typed and not _bad_name(_TYPE_TAG + name):
            self._typed.add(name)
            out.append({"tag": True, "key": _TYPE_TAG + name, "value": mtype})
        return out

    # -- buffering --------------------------------------------------------------------------

    def _add(self, ents):
        with self._lock:
            full = len(self._pending) + len(ents) > _MAX_PENDING
        if full and self._healthy:
            self.flush(60)  # back-pressure: the logging call waits for the sender
        with self._lock:
            if len(self._pending) + len(ents) > _MAX_PENDING:
                self._dropped += len(ents)
                self._warn("dropped", "amlgo: MLflow is not keeping up; values are dropped "
                           "(kept in metrics.jsonl)")
                return
            self._pending.extend(ents)
            wake = len(self._pending) >= _FLUSH_AT
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="amlgo-mlflow")
                self._thread.daemon = True
                self._thread.start()
        if wake:
            self._wake.set()

    def _loop(self):
        while not self._stopping:
            self._wake.wait(self.interval)
            self._wake.clear()
            if not self._stopping:
                self.flush(120)

    def _take(self):
        """Cut the next batch off the buffer (order kept) within MLflow's and Azure's limits."""
        with self._lock:
            n, tags, size, per_key = 0, 0, 0, {}
            for e in self._pending:
                s = len(e["key"]) + (len(e["value"]) + 30 if e.get("tag") else 80)
                if n >= _MAX_ENTITIES or (n and size + s > _MAX_BYTES):
                    break
                if e.get("tag"):
                    if tags >= _MAX_TAGS:
                        break
                    tags += 1
                else:
                    if per_key.get(e["key"], 0) >= _MAX_PER_KEY:
                        break
                    per_key[e["key"]] = per_key.get(e["key"], 0) + 1
                n, size = n + 1, size + s
            batch = self._pending[:n]
            del self._pending[:n]
            return batch

    def flush(self, timeout=300):
        """Send everything buffered; returns True when the buffer is empty."""
        deadline = time.time() + max(0.0, float(timeout))
        if os.getpid() != self._pid or self._disabled:
            return not self._pending
        if not self._send_lock.acquire(True, max(0.0, deadline - time.time())):
            return False
        try:
            while not self._disabled:
                batch = self._take()
                if not batch:
                    return True
                if not self._send(batch, deadline):
                    with self._lock:
                        self._pending[:0] = batch  # keep for the next try
                    return False
            return not self._pending
        finally:
            self._send_lock.release()

    def _at_exit(self):
        if os.getpid() != self._pid:
            return
        self._stopping = True
        self._wake.set()
        if self._pending and not self.flush(self.exit_seconds):
            lost = len(self._pending) + self._dropped
            self._warn("lost", "amlgo: {} values and tags were not sent to MLflow at {} "
                       "(metrics.jsonl has them)".format(lost, self.base))
        elif self._dropped:
            self._warn("lost", "amlgo: {} values were dropped, not sent to MLflow".format(self._dropped))

    # -- the wire ---------------------------------------------------------------------------

    def _send(self, batch, deadline):
        """POST one batch; True when it is done with (sent, or refused and dropped)."""
        body = {"run_id": self.run_id,
                "metrics": [dict((k, e[k]) for k in ("key", "value", "timestamp", "step"))
                            for e in batch if not e.get("tag")],
                "tags": [{"key": e["key"], "value": e["value"]} for e in batch if e.get("tag")]}
        tries = _RETRIES if self._healthy else 0
        for attempt in range(tries + 1):
            status, code, msg, retry_after = self._post("runs/log-batch", body, deadline)
            if status == 200:
                self._healthy = True
                return True
            if status in (401, 403) or (status == 404 and code == "RESOURCE_DOES_NOT_EXIST"):
                self._disable("amlgo: MLflow at {} refused run {} (HTTP {} {}: {}); metrics are not "
                              "sent to MLflow (metrics.jsonl has them)".format(
                                  self.base, self.run_id, status, code or "", msg))
                return True
            if status is not None and 400 <= status < 500 and status != 429:
                return self._bisect(batch, deadline, status, code, msg)
            # 429, 5xx, unreachable: wait and retry while time is left
            delay = retry_after if retry_after is not None else min(8.0, 0.5 * (2 ** attempt))
            if attempt == tries or time.time() + delay >= deadline:
                break
            time.sleep(delay)
        self._healthy = False
        self._warn("unreachable", "amlgo: cannot send metrics to MLflow at {} ({}); will retry, "
                   "metrics.jsonl has them".format(self.base, msg))
        return False

    def _bisect(self, batch, deadline, status, code, msg):
        if len(batch) == 1:
            self._warn("refused:" + batch[0]["key"], "amlgo: MLflow refused {} {!r} (HTTP {} {}: {}); "
                       "not sent".format("tag" if batch[0].get("tag") else "metric",
                                         batch[0]["key"], status, code or "", msg))
            return True
        half = len(batch) // 2
        return self._send(batch[:half], deadline) and self._send(batch[half:], deadline)

    def _disable(self, msg):
        self._disabled = True
        with self._lock:
            del self._pending[:]
        self._warn("disabled", msg)

    def _post(self, endpoint, body, deadline):
        """(status or None, error_code, message, retry_after seconds or None)."""
        from urllib.error import HTTPError, URLError
        from urllib.request import Request, urlopen
        data = json.dumps(body, allow_nan=False, separators=(",", ":")).encode("utf-8")
        req = Request(self.base + "/api/2.0/mlflow/" + endpoint, data=data,
                      headers={"Content-Type": "application/json", "Accept": "application/json"})
        token = os.environ.get("MLFLOW_TRACKING_TOKEN")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        timeout = max(1.0, min(_TIMEOUT, deadline - time.time()))
        try:
            resp = urlopen(req, timeout=timeout)
            try:
                resp.read()
            finally:
                resp.close()
            return 200, None, None, None
        except HTTPError as e:
            code, msg, retry = None, "", None
            try:
                raw = e.read(65536)
                doc = json.loads(raw.decode("utf-8"))
                code, msg = doc.get("error_code"), doc.get("message") or ""
                if not msg and isinstance(doc.get("Error"), dict):
                    msg = doc["Error"].get("Message") or ""
            except Exception:  # noqa: BLE001 - not MLflow's JSON
                msg = str(e.reason)
            try:
                retry = float(e.headers.get("Retry-After"))
            except (TypeError, ValueError):
                retry = None
            return e.code, code, msg[:300], retry
        except (URLError, OSError, ValueError) as e:
            return None, None, str(getattr(e, "reason", e)), None
        except Exception as e:  # noqa: BLE001 - http.client oddities
            return None, None, "{}: {}".format(type(e).__name__, e), None

    def _warn(self, what, msg):
        with self._lock:
            if what in self._warned:
                return
            self._warned.add(what)
        _stderr(msg)
