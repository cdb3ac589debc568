"""azureml.core.run for amlgo: the run context of a training script (stdlib only, Python 3.6+).

Inside an amlgo run (env AZUREML_RUN_ID and AMLGO_RUN_DIR), every call appends one JSON record to
<AMLGO_RUN_DIR>/metrics.jsonl with a single os.write on an O_APPEND descriptor:

    {"run_id": ..., "seq": n, "pid": ..., "ts": "<RFC3339Nano UTC>", "kind": ..., ...}

kinds: metric (type scalar|list|row|table|image|confusion_matrix|accuracy_table|residuals|
predictions, name, value, description, step), tag (key, value), property (key, value), file
(name, path), status (status, error, error_code), child (child_run_id, name), register_model
(model_name, model_path, tags, properties, ...). Files go to <AMLGO_RUN_DIR>/uploads/.

In a service job (MLFLOW_TRACKING_URI and MLFLOW_RUN_ID set), the run's metrics and tags also go
to that MLflow run through its REST API (azureml/core/_mlflow.py says how each call maps); without
AMLGO_RUN_DIR the records are then kept in memory only.

Outside a run, Run.get_context() returns an _OfflineRun that prints what it would have logged,
as azureml-core does, and keeps it in memory.
"""
import json
import math
import numbers
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid

from azureml.core import _mlflow
from azureml.core.environment import Environment
from azureml.core.experiment import Experiment
from azureml.core.model import Model
from azureml.core.workspace import Workspace
from azureml.exceptions import RunEnvironmentException, UserErrorException, _unsupported

__all__ = ["Run"]

_INT64_MIN = -(2 ** 63)
_INT64_MAX = 2 ** 63 - 1
_MAX_CHILDREN = 100
_METRICS_FILE = "metrics.jsonl"
_UPLOADS_DIR = "uploads"
_DATAREF_PREFIX = "AZUREML_DATAREFERENCE_"
_BATCH_CHILD_TAG = "azureml.batch_child_number"

_STRING_TYPES = (str,)


def _now_rfc3339():
    ns = time.time_ns() if hasattr(time, "time_ns") else int(time.time() * 1e9)
    sec, frac = divmod(ns, 1000000000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + ".%09dZ" % frac


# ---------------------------------------------------------------------------------------------
# value validation (azureml: names non-empty, numbers must fit in 64 bits and be finite)


def _check_name(name, what="Metric name"):
    if not isinstance(name, _STRING_TYPES) or not name:
        raise UserErrorException("{} must be a non-empty string, got {!r}.".format(what, name))
    return name


def _unwrap(value):
    """numpy / torch 0-d values -> Python scalars."""
    if isinstance(value, (bool, int, float) + _STRING_TYPES) or value is None:
        return value
    item = getattr(value, "item", None)
    if callable(item):
        shape = getattr(value, "shape", None)
        try:
            zero_d = shape is not None and tuple(shape) == ()
        except TypeError:
            zero_d = False
        if zero_d or shape is None:
            try:
                return item()
            except Exception:  # noqa: BLE001 - not a scalar after all
                return value
    return value


def _scalar(value, what):
    """A JSON scalar for a metric value: bool, int64, finite float or str."""
    value = _unwrap(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        value = int(value)
        if value < _INT64_MIN or value > _INT64_MAX:
            raise UserErrorException(
                "{}: integer {} does not fit in 64 bits.".format(what, value))
        return value
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isnan(value) or math.isinf(value):
            raise UserErrorException("{}: {} is not a finite number.".format(what, value))
        return value
    if isinstance(value, _STRING_TYPES):
        return value
    if value is None or isinstance(value, (list, tuple, dict, set, frozenset, bytes, complex)):
        raise UserErrorException(
            "{}: {} values are not supported; log numbers, strings or booleans (use log_list, "
            "log_row or log_table for collections).".format(what, type(value).__name__))
    if isinstance(value, numbers.Number):
        return _scalar(float(value), what)
    # other objects (e.g. a numpy matrix passed to run.log) are logged as their text
    return str(value)


def _as_list(value, what):
    value = _unwrap(value)
    if isinstance(value, (list, tuple, range)):
        return list(value)
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        out = tolist()
        if isinstance(out, list):
            return out
    if isinstance(value, _STRING_TYPES) or isinstance(value, dict) or value is None:
        raise UserErrorException("{}: expected a list, got {}.".format(what, type(value).__name__))
    try:
        return list(value)
    except TypeError:
        raise UserErrorException("{}: expected a list, got {}.".format(what, type(value).__name__))


def _scalar_list(value, what):
    return [_scalar(v, what) for v in _as_list(value, what)]


def _json_value(value, what):
    """Any JSON-serializable value (numpy values converted), finite numbers only."""
    value = _unwrap(value)
    if isinstance(value, dict):
        return dict((str(k), _json_value(v, what)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_json_value(v, what) for v in value]
    if value is None:
        return None
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and not isinstance(value, (bool, numbers.Number) + _STRING_TYPES):
        return _json_value(tolist(), what)
    return _scalar(value, what)


def _description(description):
    if description is None:
        return ""
    return str(description)


def _step(step):
    step = _unwrap(step)
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise UserErrorException("step must be an integer, got {!r}.".format(step))
    step = int(step)
    if step < _INT64_MIN or step > _INT64_MAX:
        raise UserErrorException("step {} does not fit in 64 bits.".format(step))
    return step


def _artifact_name(name, what="Artifact name"):
    """Validate an artifact name (slash-separated, relative, no '..')."""
    _check_name(name, what)
    norm = name.replace("\\", "/")
    while norm.startswith("./"):
        norm = norm[2:]
    parts = norm.split("/")
    if norm.startswith("/") or "\x00" in norm or any(p in ("", ".", "..") for p in parts):
        raise UserErrorException(
            "{} {!r} must be a relative path without empty, '.' or '..' parts.".format(what, name))
    return norm


# ---------------------------------------------------------------------------------------------
# sinks: where records go


class _FileSink(object):
    """Appends records to <rundir>/metrics.jsonl (one os.write per record)."""

    offline = False

    def __init__(self, rundir):
        self.rundir = os.path.abspath(rundir)
        self.path = os.path.join(self.rundir, _METRICS_FILE)
        self._lock = threading.Lock()
        self._fd = None
        self._pid = None
        self._seq = 0

    def _after_fork(self):
        self._lock = threading.Lock()

    def emit(self, run_id, kind, fields, message=None):
        with self._lock:
            pid = os.getpid()
            if self._fd is None or self._pid != pid:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                self._pid = pid
                self._seq = 0
            seq = self._seq + 1
            rec = {"run_id": run_id, "seq": seq, "pid": pid, "ts": _now_rfc3339(), "kind": kind}
            rec.update(fields)
            data = (json.dumps(rec, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
                    + "\n").encode("ascii")
            n = os.write(self._fd, data)
            self._seq = seq
            if n != len(data):
                raise IOError("amlgo: short write to {} ({} of {} bytes)".format(
                    self.path, n, len(data)))

    def records(self):
        try:
            with open(self.path, "rb") as f:
                data = f.read()
        except (IOError, OSError):
            return []
        end = data.rfind(b"\n")
        out = []
        if end < 0:
            return out
        for line in data[:end].split(b"\n"):
            if not line.strip():
                continue
            try:
                rec = json.loads(line.decode("utf-8"))
            except ValueError:
                continue
            if isinstance(rec, dict):
                out.append(rec)
        return out


class _PrintSink(object):
    """Offline: prints what would have been logged and keeps the records in memory."""

    offline = True
    rundir = None

    def __init__(self):
        self._lock = threading.Lock()
        self._records = []

    def emit(self, run_id, kind, fields, message=None):
        if message is not None:
            print(message)
        with self._lock:
            rec = {"run_id": run_id, "seq": len(self._records) + 1, "kind": kind}
            rec.update(fields)
            self._records.append(rec)

    def records(self):
        with self._lock:
            return list(self._records)


class _MemorySink(_PrintSink):
    """A service job without AMLGO_RUN_DIR: records kept in memory (MLflow gets the metrics),
    uploaded files in a private temporary directory."""

    offline = False

    def __init__(self):
        _PrintSink.__init__(self)
        self.rundir = tempfile.mkdtemp(prefix="amlgo-run-")

    def emit(self, run_id, kind, fields, message=None):
        _PrintSink.emit(self, run_id, kind, fields, None)


class _StreamSink(_MemorySink):
    """A Spark driver in a YARN container (AMLGO_RECORD_STREAM=stderr), where the run directory
    is out of reach: each record also goes to stderr as one line after a marker, and amlgo's
    Spark supervisor moves those lines from the fetched container log into metrics.jsonl."""

    marker = "\x1eamlgo-record "

    def emit(self, run_id, kind, fields, message=None):
        _MemorySink.emit(self, run_id, kind, fields, None)
        with self._lock:
            seq = len(self._records)
        rec = {"run_id": run_id, "seq": seq, "pid": os.getpid(), "ts": _now_rfc3339(), "kind": kind}
        rec.update(fields)
        line = self.marker + json.dumps(rec, ensure_ascii=True, allow_nan=False, separators=(",", ":")) + "\n"
        sys.stderr.flush()
        os.write(2, line.encode("ascii"))


class _ForwardingSink(object):
    """Records go to inner (metrics.jsonl or memory) and to an MLflow run (_mlflow.Forwarder)."""

    offline = False

    def __init__(self, inner, forwarder):
        self._inner = inner
        self.forwarder = forwarder
        self.rundir = inner.rundir

    def emit(self, run_id, kind, fields, message=None):
        self._inner.emit(run_id, kind, fields, message)
        self.forwarder.handle(run_id, kind, fields)

    def records(self):
        return self._inner.records()

    def flush(self, timeout_seconds):
        return self.forwarder.flush(timeout_seconds)


_sinks_lock = threading.Lock()
_sinks = {}


def _file_sink(rundir):
    key = os.path.abspath(rundir)
    with _sinks_lock:
        sink = _sinks.get(key)
        if sink is None:
            sink = _sinks[key] = _FileSink(key)
        return sink


def _reinit_after_fork():
    global _sinks_lock
    _sinks_lock = threading.Lock()
    for sink in list(_sinks.values()):
        sink._after_fork()
    Run._context_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_after_fork)


# ---------------------------------------------------------------------------------------------
# reading records back


def _metrics_of(records, run_id, name=None, rundir=None):
    acc = {}
    order = []
    types = {}
    for r in records:
        if r.get("kind") != "metric" or r.get("run_id") != run_id:
            continue
        n = r.get("name")
        if name is not None and n != name:
            continue
        t = r.get("type")
        v = r.get("value")
        if n not in acc:
            order.append(n)
            types[n] = t
            acc[n] = {} if t in ("row", "table") else []
        cur = acc[n]
        if isinstance(cur, dict):
            if not isinstance(v, dict):
                continue
            for k, x in v.items():
                col = cur.setdefault(k, [])
                if t == "table" and isinstance(x, (list, tuple)):
                    col.extend(x)
                else:
                    col.append(x)
        elif t == "list" and types[n] == "list":
            if isinstance(v, (list, tuple)):
                cur.extend(v)
            else:
                cur.append(v)
        else:
            if t == "image" and isinstance(v, dict) and "path" in v:
                v = v["path"]
                if rundir is not None and not os.path.isabs(v):
                    v = os.path.join(rundir, v)
            cur.append(v)
    out = {}
    for n in order:
        cur = acc[n]
        if isinstance(cur, dict) or types[n] == "list":
            out[n] = cur
        else:
            out[n] = cur[0] if len(cur) == 1 else cur
    return out


def _error_text(error_details):
    if error_details is None:
        return None
    if isinstance(error_details, BaseException):
        return "{}: {}".format(type(error_details).__name__, error_details)
    if isinstance(error_details, (dict, list)):
        try:
            return json.dumps(error_details, sort_keys=True, default=str)
        except (TypeError, ValueError):
            pass
    return str(error_details)


def _json_object(env_name):
    raw = os.environ.get(env_name)
    if not raw:
        return {}
    try:
        obj = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(obj, dict):
        return {}
    return dict((str(k), None if v is None else str(v)) for k, v in obj.items())


# ---------------------------------------------------------------------------------------------
# Run


class Run(object):
    """The run a training script executes in (azureml.core.Run)."""

    _context_lock = threading.Lock()
    _context_run = None
    _offline_run = None

    def __init__(self, experiment, run_id, outputs=None, **kwargs):
        sink = kwargs.pop("_sink", None)
        if sink is None:
            rundir = os.environ.get("AMLGO_RUN_DIR")
            if not rundir:
                _unsupported("Run(experiment, run_id) outside an amlgo run",
                             "Use Run.get_context() inside a run.")
            sink = _file_sink(rundir)
        self._sink = sink
        self._experiment = experiment
        self._run_id = run_id
        self._outputs = outputs
        self._parent = kwargs.pop("_parent", None)
        self._parent_id = kwargs.pop("_parent_id", None)
        if self._parent is not None:
            self._parent_id = self._parent.id
        self._display_name = kwargs.pop("_display_name", None)
        self._description = kwargs.pop("_description", None)
        self._number = kwargs.pop("_number", None)
        self._run_type = kwargs.pop("_run_type", "azureml.scriptrun")
        self._input_datasets = kwargs.pop("_input_datasets", None)
        self._base_tags = kwargs.pop("_base_tags", None) or {}
        self._base_properties = kwargs.pop("_base_properties", None) or {}
        self._children = {}

    # -- context ------------------------------------------------------------------------------

    @classmethod
    def get_context(cls, allow_offline=True, used_for_context_manager=False, **kwargs):
        """The current run: the amlgo run from the environment, else an _OfflineRun."""
        with Run._context_lock:
            if Run._context_run is None:
                Run._context_run = _load_context()
            if Run._context_run is not None:
                return Run._context_run
            if not allow_offline:
                raise RunEnvironmentException()
            if Run._offline_run is None:
                Run._offline_run = _OfflineRun()
            return Run._offline_run

    @classmethod
    def get_submitted_run(cls, **kwargs):
        """Deprecated (2018) alias of get_context."""
        return cls.get_context(**kwargs)

    @staticmethod
    def get(workspace, run_id):
        _unsupported("Run.get")

    @staticmethod
    def list(experiment, type=None, tags=None, properties=None, status=None,
             include_children=False, _rehydrate_runs=True):
        _unsupported("Run.list")

    # -- identity -----------------------------------------------------------------------------

    @property
    def id(self):
        return self._run_id

    @property
    def experiment(self):
        return self._experiment

    @property
    def parent(self):
        """The parent run, or None for a top-level run."""
        if self._parent is None and self._parent_id:
            self._parent = self._make_run(self._parent_id)
        return self._parent

    @property
    def display_name(self):
        return self._display_name

    @display_name.setter
    def display_name(self, value):
        self._display_name = value

    @property
    def name(self):
        return self._display_name

    @property
    def description(self):
        return self._description

    @description.setter
    def description(self, value):
        self._description = value

    @property
    def number(self):
        return self._number

    @property
    def type(self):
        return self._run_type

    @property
    def status(self):
        return self.get_status()

    @property
    def tags(self):
        return self.get_tags()

    @property
    def properties(self):
        return self.get_properties()

    @property
    def input_datasets(self):
        """Named inputs: name -> path, from AZUREML_DATAREFERENCE_<name> (a mutable dict)."""
        if self._input_datasets is None:
            self._input_datasets = {}
        return self._input_datasets

    def _make_run(self, run_id, parent=None, display_name=None):
        return Run(self._experiment, run_id, _sink=self._sink, _parent=parent,
                   _display_name=display_name, _run_type="azureml.scriptrun" if parent is None else "run")

    def _emit(self, kind, fields, message=None):
        self._sink.emit(self._run_id, kind, fields, message)

    # -- metrics ------------------------------------------------------------------------------

    def _metric(self, mtype, name, value, description, step=None, convert=None, shown=None):
        if self._sink.offline:
            fields = {"type": mtype, "name": name, "value": value}
            if step is not None:
                fields["step"] = step
            self._emit("metric", fields, "Attempted to log {0} metric {1}:\n{2}".format(
                mtype, name, value if shown is None else shown))
            return
        _check_name(name)
        what = "Metric {!r}".format(name)
        fields = {"type": mtype, "name": name, "value": convert(value, what),
                  "description": _description(description)}
        if step is not None:
            fields["step"] = _step(step)
        self._emit("metric", fields)

    def log(self, name, value, description="", step=None):
        """Log a scalar (number, string or bool); repeated calls make a list."""
        self._metric("scalar", name, value, description, step, _scalar)

    def log_list(self, name, value, description=""):
        """Log a list of scalars."""
        self._metric("list", name, value, description, None, _scalar_list)

    def log_row(self, name, description=None, **kwargs):
        """Log one row (column=value keyword arguments); rows read back as a dict of lists."""
        if not self._sink.offline and not kwargs:
            raise UserErrorException("log_row needs at least one column=value argument.")

        def convert(row, what):
            return dict((k, _scalar(v, "{} column {!r}".format(what, k))) for k, v in row.items())
        self._metric("row", name, dict(kwargs), description, None, convert)

    def log_table(self, name, value, description=""):
        """Log a table: a dict of column name -> list of scalars."""
        def convert(table, what):
            if not isinstance(table, dict):
                raise UserErrorException("{}: log_table needs a dict of column -> list, got {}."
                                         .format(what, type(table).__name__))
            return dict((str(k), _scalar_list(v, "{} column {!r}".format(what, k)))
                        for k, v in table.items())
        self._metric("table", name, value, description, None, convert)

    def _log_object(self, mtype, name, value, description):
        def convert(v, what):
            if isinstance(v, _STRING_TYPES):
                try:
                    v = json.loads(v)
                except ValueError:
                    raise UserErrorException("{}: expected a dict or a JSON string.".format(what))
            return _json_value(v, what)
        self._metric(mtype, name, value, description, None, convert)

    def log_confusion_matrix(self, name, value, description=""):
        """Log a confusion matrix (dict or JSON string), recorded as type confusion_matrix."""
        self._log_object("confusion_matrix", name, value, description)

    def log_accuracy_table(self, name, value, description=""):
        """Log an accuracy table (dict or JSON string), recorded as type accuracy_table."""
        self._log_object("accuracy_table", name, value, description)

    def log_residuals(self, name, value, description=""):
        """Log residuals (dict or JSON string), recorded as type residuals."""
        self._log_object("residuals", name, value, description)

    def log_predictions(self, name, value, description=""):
        """Log predictions (dict or JSON string), recorded as type predictions."""
        self._log_object("predictions", name, value, description)

    def log_image(self, name, path=None, plot=None, description=""):
        """Log an image file (path) or a matplotlib plot (plot); copied into uploads/."""
        if (path is None) == (plot is None):
            raise UserErrorException(
                "Invalid parameters, exactly one of path and plot must be provided.")
        if self._sink.offline:
            self._metric("image", name, path if path is not None else plot, description)
            return
        _check_name(name)
        base = _artifact_name(name, "Image name")
        ext = ".png"
        if path is not None:
            ext = os.path.splitext(str(path))[1] or ".png"
        rel, dest = self._reserve_upload(base, ext)
        try:
            tmp = dest + ".tmp"
            if path is not None:
                shutil.copyfile(path, tmp)
            else:
                with open(tmp, "wb") as f:
                    plot.savefig(f, format="png")
            os.replace(tmp, dest)
        except BaseException:
            for p in (dest + ".tmp", dest):
                try:
                    os.remove(p)
                except OSError:
                    pass
            raise
        self._emit("metric", {"type": "image", "name": name, "value": {"path": rel},
                              "description": _description(description)})

    def _reserve_upload(self, base, ext):
        """Create an empty uploads/<base>[_n]<ext> exclusively; returns (relative, absolute)."""
        n = 0
        while True:
            rel = "{}/{}{}{}".format(_UPLOADS_DIR, base, "" if n == 0 else "_{}".format(n), ext)
            dest = os.path.join(self._sink.rundir, *rel.split("/"))
            _makedirs(os.path.dirname(dest))
            try:
                os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
                return rel, dest
            except OSError:
                if not os.path.exists(dest):
                    raise
                n += 1

    def get_metrics(self, name=None, recursive=False, run_type=None, populate=False):
        """name -> scalar (one value) or list; list metrics -> list; rows/tables -> dict of
        lists; images -> file path(s). recursive=True returns {run_id: metrics} for this run
        and its descendants."""
        records = self._sink.records()
        if recursive:
            out = {self._run_id: _metrics_of(records, self._run_id, name, self._sink.rundir)}
            for child in self.get_children(recursive=True):
                out[child.id] = _metrics_of(records, child.id, name, self._sink.rundir)
            return out
        return _metrics_of(records, self._run_id, name, self._sink.rundir)

    # -- tags and properties ------------------------------------------------------------------

    def tag(self, key, value=None):
        """Set a tag (value None makes a tag without value)."""
        if self._sink.offline:
            self._emit("tag", {"key": key, "value": value},
                       "Attempted to add tag {0} with value {1}".format(key, value))
            return
        _check_name(key, "Tag key")
        self._emit("tag", {"key": key, "value": None if value is None else str(value)})

    def set_tags(self, tags):
        """Set several tags: a dict, a list of keys, or one key."""
        if isinstance(tags, _STRING_TYPES):
            self.tag(tags)
        elif isinstance(tags, dict):
            for k, v in tags.items():
                self.tag(k, v)
        else:
            for k in tags:
                self.tag(k)

    def get_tags(self):
        tags = dict(self._base_tags)
        for r in self._sink.records():
            if r.get("kind") == "tag" and r.get("run_id") == self._run_id:
                tags[r.get("key")] = r.get("value")
        return tags

    def remove_tags(self, tags):
        _unsupported("Run.remove_tags")

    def add_properties(self, properties):
        """Add immutable properties (an existing key cannot change value)."""
        if self._sink.offline:
            for k, v in properties.items():
                self._emit("property", {"key": k, "value": v},
                           "Attempted to add property {0} with value {1}".format(k, v))
            return
        current = self.get_properties()
        new = []
        for k, v in properties.items():
            _check_name(k, "Property key")
            v = "" if v is None else str(v)
            if k in current and current[k] != v:
                raise UserErrorException(
                    "Property {!r} is already set to {!r}; properties are immutable."
                    .format(k, current[k]))
            new.append((k, v))
        for k, v in new:
            if current.get(k) != v:
                self._emit("property", {"key": k, "value": v})

    def get_properties(self):
        props = dict(self._base_properties)
        for r in self._sink.records():
            if r.get("kind") == "property" and r.get("run_id") == self._run_id:
                props.setdefault(r.get("key"), r.get("value"))
        return props

    # -- files --------------------------------------------------------------------------------

    def upload_file(self, name, path_or_stream, datastore_name=None):
        """Copy a file (path or binary/text stream) into uploads/<name> as artifact name."""
        if self._sink.offline:
            self._emit("file", {"name": name, "path": None},
                       "Attempted to track file {0} at {1}".format(name, path_or_stream))
            return None
        norm = _artifact_name(name)
        rel = "{}/{}".format(_UPLOADS_DIR, norm)
        dest = os.path.join(self._sink.rundir, *rel.split("/"))
        _makedirs(os.path.dirname(dest))
        try:
            os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except OSError:
            if os.path.exists(dest):
                raise UserErrorException(
                    "Resource Conflict: ArtifactId {} already exists for run {}."
                    .format(norm, self._run_id))
            raise
        tmp = dest + ".tmp"
        try:
            if hasattr(path_or_stream, "read"):
                with open(tmp, "wb") as out:
                    while True:
                        chunk = path_or_stream.read(1 << 20)
                        if not chunk:
                            break
                        if not isinstance(chunk, bytes):
                            chunk = chunk.encode("utf-8")
                        out.write(chunk)
            else:
                shutil.copyfile(path_or_stream, tmp)
            os.replace(tmp, dest)
        except BaseException:
            for p in (tmp, dest):
                try:
                    os.remove(p)
                except OSError:
                    pass
            raise
        self._emit("file", {"name": norm, "path": rel})
        return None

    def upload_files(self, names, paths, return_artifacts=False, timeout_seconds=None,
                     datastore_name=None):
        """upload_file for each (name, path) pair."""
        names, paths = list(names), list(paths)
        if len(names) != len(paths):
            raise UserErrorException("names and paths must have the same length.")
        for n, p in zip(names, paths):
            self.upload_file(n, p)

    def upload_folder(self, name, path, datastore_name=None):
        """upload_file for every file under path, as <name>/<relative path>."""
        if not os.path.isdir(path):
            raise UserErrorException("{!r} is not a directory.".format(path))
        prefix = name.rstrip("/")
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for f in sorted(files):
                full = os.path.join(root, f)
                rel = os.path.relpath(full, path).replace(os.sep, "/")
                self.upload_file(prefix + "/" + rel if prefix else rel, full)

    def get_file_names(self):
        names = []
        for r in self._sink.records():
            if r.get("kind") == "file" and r.get("run_id") == self._run_id:
                if r.get("name") not in names:
                    names.append(r.get("name"))
        return names

    def download_file(self, name, output_file_path=None, _validate_checksum=False):
        """Copy an uploaded artifact to output_file_path (default: ./<basename>)."""
        src = None
        for r in self._sink.records():
            if (r.get("kind") == "file" and r.get("run_id") == self._run_id
                    and r.get("name") == name and r.get("path")):
                src = os.path.join(self._sink.rundir, *r["path"].split("/"))
        if src is None:
            raise UserErrorException("File {!r} was not uploaded to run {}.".format(name, self._run_id))
        if output_file_path is None:
            output_file_path = os.path.basename(name)
        elif os.path.isdir(output_file_path):
            output_file_path = os.path.join(output_file_path, os.path.basename(name))
        shutil.copyfile(src, output_file_path)

    def download_files(self, prefix=None, output_directory=None, output_paths=None,
                       batch_size=100, append_prefix=True, timeout_seconds=None):
        """download_file for every uploaded artifact starting with prefix."""
        names = [n for n in self.get_file_names() if prefix is None or n.startswith(prefix)]
        out_dir = output_directory or os.getcwd()
        for i, n in enumerate(names):
            if output_paths is not None:
                dest = output_paths[i]
            else:
                rel = n if append_prefix or not prefix else n[len(prefix):].lstrip("/")
                dest = os.path.join(out_dir, *rel.split("/"))
            _makedirs(os.path.dirname(os.path.abspath(dest)))
            self.download_file(n, dest)

    # -- status -------------------------------------------------------------------------------

    def complete(self, _set_status=True):
        """Mark the run Completed (and send what waits for MLflow)."""
        if _set_status:
            self._emit("status", {"status": "Completed"})
        self._flush_sink(60)

    def fail(self, error_details=None, error_code=None, _set_status=True):
        """Mark the run Failed, with optional error details (text or exception) and code."""
        if not _set_status:
            return
        fields = {"status": "Failed"}
        err = _error_text(error_details)
        if err is not None:
            fields["error"] = err
        if error_code is not None:
            fields["error_code"] = str(error_code)
        self._emit("status", fields)
        self._flush_sink(60)

    def start(self):
        """No-op: runs are started by amlgo."""

    def flush(self, timeout_seconds=300):
        """Send what waits for MLflow (metrics.jsonl records are written synchronously)."""
        self._flush_sink(timeout_seconds)

    def _flush_sink(self, timeout_seconds):
        flush = getattr(self._sink, "flush", None)
        if flush is not None:
            flush(timeout_seconds)

    def cancel(self):
        _unsupported("Run.cancel from inside a run", "Cancel from the amlgo SDK instead.")

    def get_status(self):
        status = "Running"
        for r in self._sink.records():
            if r.get("kind") == "status" and r.get("run_id") == self._run_id:
                status = r.get("status") or status
        return status

    def wait_for_completion(self, show_output=False, wait_post_processing=False,
                            raise_on_error=True):
        return self.get_details()

    def get_details(self):
        """A small azureml-style details dict (what is known inside the run)."""
        return {
            "runId": self._run_id,
            "target": os.environ.get("AZUREML_TARGET", os.environ.get("AMLGO_TARGET", "")),
            "status": self.get_status(),
            "properties": self.get_properties(),
            "tags": self.get_tags(),
            "inputDatasets": [],
            "outputDatasets": [],
            "logFiles": {},
        }

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        if exc_type is None:
            self.complete()
        else:
            self.fail(exc_value)
        return False

    # -- children -----------------------------------------------------------------------------

    def child_run(self, name=None, run_id=None, outputs=None):
        """Create a child run (id uuid4 unless given); it logs into the same metrics.jsonl."""
        if self._sink.offline:
            child = _OfflineRun(run_id=run_id, experiment=self._experiment, _parent=self)
            child._display_name = name
        else:
            cid = run_id or str(uuid.uuid4())
            fields = {"child_run_id": cid}
            if name is not None:
                fields["name"] = str(name)
            self._emit("child", fields)
            child = self._make_run(cid, parent=self, display_name=name)
        self._children[child.id] = child
        return child

    def create_children(self, count=None, tag_key=None, tag_values=None):
        """Create up to 100 children at once; with tag_key/tag_values each child i gets tag
        tag_key=tag_values[i], otherwise tag azureml.batch_child_number=i."""
        if tag_values is not None:
            tag_values = list(tag_values)
        if (tag_key is None) != (tag_values is None):
            raise UserErrorException("tag_key and tag_values must be given together.")
        if count is None:
            if tag_values is None:
                raise UserErrorException("create_children needs count or tag_key/tag_values.")
            count = len(tag_values)
        if isinstance(count, bool) or not isinstance(count, numbers.Integral):
            raise UserErrorException("count must be an integer.")
        count = int(count)
        if tag_values is not None and len(tag_values) != count:
            raise UserErrorException("count must equal len(tag_values).")
        if count < 1 or count > _MAX_CHILDREN:
            raise UserErrorException(
                "create_children can create between 1 and {} children.".format(_MAX_CHILDREN))
        children = []
        for i in range(count):
            child = self.child_run()
            if tag_key is not None:
                child.tag(tag_key, tag_values[i])
            elif self._sink.offline:
                child._emit("tag", {"key": _BATCH_CHILD_TAG, "value": str(i)})  # silently
            else:
                child.tag(_BATCH_CHILD_TAG, str(i))
            children.append(child)
        return children

    def get_children(self, recursive=False, tags=None, properties=None, type=None, status=None,
                     _rehydrate_runs=True):
        """The child runs (a list), optionally recursive and filtered by tags/status."""
        ids = []
        if self._sink.offline:
            ids = list(self._children)
        else:
            for r in self._sink.records():
                if r.get("kind") == "child" and r.get("run_id") == self._run_id:
                    cid = r.get("child_run_id")
                    if cid and cid not in ids:
                        ids.append(cid)
        runs = []
        for cid in ids:
            child = self._children.get(cid)
            if child is None:
                child = self._children[cid] = self._make_run(cid, parent=self)
            runs.append(child)
            if recursive:
                runs.extend(child.get_children(recursive=True))
        return [r for r in runs if _matches(r, tags, properties, type, status)]

    def submit_child(self, config, tags=None, **kwargs):
        _unsupported("Run.submit_child")

    # -- models, environment, secrets ----------------------------------------------------------

    def register_model(self, model_name, model_path=None, tags=None, properties=None,
                       model_framework=None, model_framework_version=None, description=None,
                       datasets=None, sample_input_dataset=None, sample_output_dataset=None,
                       resource_configuration=None, **kwargs):
        """Request a model registration from this run's artifacts (model_path, default
        model_name); recorded as kind register_model for the SDK to act on."""
        path = model_path if model_path is not None else model_name
        if self._sink.offline:
            self._emit("register_model", {"model_name": model_name, "model_path": path},
                       "Attempted to register model {0} from {1}".format(model_name, path))
        else:
            _check_name(model_name, "model_name")
            path = _artifact_name(path, "model_path")
            fields = {"model_name": model_name, "model_path": path,
                      "tags": dict((str(k), None if v is None else str(v))
                                   for k, v in (tags or {}).items()),
                      "properties": dict((str(k), "" if v is None else str(v))
                                         for k, v in (properties or {}).items())}
            for key, val in (("description", description), ("model_framework", model_framework),
                             ("model_framework_version", model_framework_version)):
                if val is not None:
                    fields[key] = str(val)
            self._emit("register_model", fields)
        return Model(name=model_name, tags=tags, properties=properties, run_id=self._run_id,
                     description=description, model_framework=model_framework,
                     model_framework_version=model_framework_version)

    def get_environment(self):
        """The run's environment (name from AMLGO_ENVIRONMENT_NAME, the running interpreter)."""
        return Environment._from_run_env()

    def get_secret(self, name):
        _unsupported("Run.get_secret", "Pass secrets through environment variables instead.")

    def get_secrets(self, secrets):
        _unsupported("Run.get_secrets", "Pass secrets through environment variables instead.")

    def __repr__(self):
        return "Run(Experiment: {},\nId: {},\nType: {},\nStatus: {})".format(
            self._experiment.name if self._experiment is not None else None,
            self._run_id, self._run_type, self.get_status())


def _matches(run, tags, properties, type_, status):
    if tags is not None:
        have = run.get_tags()
        if isinstance(tags, _STRING_TYPES):
            tags = {tags: None}
        for k, v in tags.items():
            if k not in have or (v is not None and have[k] != v):
                return False
    if properties is not None:
        have = run.get_properties()
        if isinstance(properties, _STRING_TYPES):
            properties = {properties: None}
        for k, v in properties.items():
            if k not in have or (v is not None and have[k] != v):
                return False
    if type_ is not None and run.type != type_:
        return False
    if status is not None and run.get_status() != status:
        return False
    return True


def _makedirs(path):
    if path and not os.path.isdir(path):
        try:
            os.makedirs(path)
        except OSError:
            if not os.path.isdir(path):
                raise


def _load_context():
    run_id = os.environ.get("AZUREML_RUN_ID")
    rundir = os.environ.get("AMLGO_RUN_DIR")
    forwarder = _mlflow.from_environ(run_id)
    if forwarder is not None:
        run_id = run_id or forwarder.run_id
        sink = _ForwardingSink(_file_sink(rundir) if rundir else _MemorySink(), forwarder)
    elif run_id and os.environ.get("AMLGO_RECORD_STREAM") == "stderr":
        sink = _StreamSink()
    elif run_id and rundir:
        sink = _file_sink(rundir)
    else:
        return None
    ws = Workspace._from_run_env()
    exp = Experiment._from_run_env(ws)
    datarefs = dict((k[len(_DATAREF_PREFIX):], v) for k, v in os.environ.items()
                    if k.startswith(_DATAREF_PREFIX) and len(k) > len(_DATAREF_PREFIX))
    number = os.environ.get("AMLGO_RUN_NUMBER")
    try:
        number = int(number) if number else None
    except ValueError:
        number = None
    return Run(exp, run_id, _sink=sink,
               _parent_id=os.environ.get("AZUREML_PARENT_RUN_ID") or None,
               _display_name=os.environ.get("AMLGO_RUN_DISPLAY_NAME") or None,
               _number=number, _input_datasets=datarefs,
               _base_tags=_json_object("AMLGO_RUN_TAGS"),
               _base_properties=_json_object("AMLGO_RUN_PROPERTIES"))


class _OfflineRun(Run):
    """The run outside an amlgo run: prints what it would log (like azureml-core)."""

    def __init__(self, parent_logger=None, run_id=None, experiment=None, **kwargs):
        parent = kwargs.pop("_parent", None)
        if experiment is None:
            experiment = Experiment(Workspace("", "", "OfflineWorkspace", _disable_service_check=True),
                                    "OfflineExperiment", _skip_name_validation=True)
        Run.__init__(self, experiment, run_id or "OfflineRun_{}".format(uuid.uuid4()),
                     _sink=parent._sink if parent is not None else _PrintSink(),
                     _parent=parent, _run_type="azureml.scriptrun" if parent is None else "run")

    def __enter__(self):
        print("[START] Run {} context".format(self._run_id))
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        print("[STOP] Run {} context".format(self._run_id))
        return False

    def get_environment(self):
        return Environment._from_run_env()


if sys.version_info < (3, 6):  # pragma: no cover
    raise ImportError("the amlgo azureml shim needs Python 3.6 or later")
