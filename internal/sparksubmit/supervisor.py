"""amlgo Spark supervisor: runs one spark-submit for an amlgo run (see internal/sparksubmit).

Usage: python3 supervisor.py JOB.json

Written by github.com/amlgo/amlgo/internal/sparksubmit; do not edit by hand. Standard library
only: it runs with whatever Python 3 the submitting machine has.
"""

import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import threading
import time
import zipfile

APP_ID = re.compile(rb"\bapplication_\d+_\d+\b")
USERINFO = re.compile(r"://[^/@\s]+@")
FINAL_STATE = re.compile(rb"Final-State\s*:\s*([A-Z_]+)")
RECORD_MARKER = b"\x1eamlgo-record "


def say(msg):
    """A line of the supervisor's own in the driver log."""
    sys.stdout.buffer.write(("amlgo: %s\n" % msg).encode("utf-8", "replace"))
    sys.stdout.buffer.flush()


def put(path, text):
    if not path:
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.replace(tmp, path)


def pack_zip(z):
    src, dest = z["src"], z["dest"]
    exclude = set(z.get("exclude") or [])
    tmp = dest + ".tmp"
    n = 0
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for root, dirs, files in os.walk(src):
            rel = os.path.relpath(root, src)
            if rel == ".":
                dirs[:] = sorted(d for d in dirs if d not in exclude)
                files = [f for f in files if f not in exclude]
            else:
                dirs.sort()
            for name in sorted(files):
                p = os.path.join(root, name)
                if os.path.isfile(p):
                    # A fixed timestamp: restored snapshots may carry mtimes before 1980, which
                    # zip cannot hold, and the zip's content then depends on the files only.
                    info = zipfile.ZipInfo(os.path.normpath(os.path.join(rel, name)), (1980, 1, 1, 0, 0, 0))
                    info.external_attr = (os.stat(p).st_mode & 0o777) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    with open(p, "rb") as f:
                        out.writestr(info, f.read())
                    n += 1
    os.replace(tmp, dest)
    return n


def pack_archive(a):
    src, dest = a["src"], a["dest"]
    if os.path.exists(dest):
        say("Reusing the packed environment %s" % dest)
        return
    with open(dest + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(dest):
            say("Reusing the packed environment %s" % dest)
            return
        t0 = time.time()
        tmp = "%s.tmp-%d" % (dest, os.getpid())
        with tarfile.open(tmp, "w:gz") as tar:
            tar.add(src, arcname=".")
        os.replace(tmp, dest)
        say("Packed the environment %s into %s in %.1fs" % (src, dest, time.time() - t0))


LOG_TYPE = re.compile(rb"^LogType:(.*)$", re.M)
LOG_LENGTH = re.compile(rb"^LogLength:\s*(\d+)$", re.M)
LOG_CONTENTS = re.compile(rb"^LogContents:\n", re.M)


def parse_logs(data):
    """{log type: contents} of `yarn logs` output (each section's LogLength bytes), and whether
    the logs are aggregated (complete)."""
    logs = {}
    complete = b"LogAggregationType: AGGREGATED" in data
    pos = 0
    while True:
        t = LOG_TYPE.search(data, pos)
        if not t:
            break
        n = LOG_LENGTH.search(data, t.end())
        c = LOG_CONTENTS.search(data, t.end())
        if not n or not c:
            break
        body = data[c.end():c.end() + int(n.group(1))]
        name = t.group(1).strip().decode("utf-8", "replace")
        if len(body) >= len(logs.get(name, b"")):
            logs[name] = body
        pos = c.end() + len(body)
    return logs, complete


class Supervisor(object):
    def __init__(self, job):
        self.job = job
        self.yarn = job.get("yarn")
        self.cluster = bool(job.get("cluster"))
        self.app = None
        self.emitted = {}
        self.term = threading.Event()
        self.out = sys.stdout.buffer

    def expand(self, tmpl):
        container = "container_" + self.app[len("application_"):] + "_01_000001"
        return [a.replace("@APP@", self.app).replace("@CONTAINER@", container) for a in tmpl]

    def yarn_cmd(self, name, timeout):
        try:
            p = subprocess.run(self.expand(self.yarn[name]), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
            return p.returncode, p.stdout, p.stderr
        except (OSError, subprocess.TimeoutExpired) as e:
            return -1, b"", str(e).encode()

    def read_submit(self, stream, sink):
        for line in iter(stream.readline, b""):
            sink.write(line)
            sink.flush()
            if self.app is None:
                m = APP_ID.search(line)
                if m:
                    self.app = m.group(0).decode()
                    put(self.job.get("appIdFile"), self.app)

    def emit(self, logs, final):
        """Appends what is new in the fetched stdout and stderr (whole lines while running)."""
        for name in ("stdout", "stderr"):
            body = logs.get(name, b"")
            done = self.emitted.get(name, 0)
            new = body[done:]
            if not final:
                cut = new.rfind(b"\n")
                new = new[:cut + 1] if cut >= 0 else b""
            if not new:
                continue
            self.emitted[name] = done + len(new)
            plain = []
            records = []
            for line in new.splitlines(True):
                if line.startswith(RECORD_MARKER):
                    records.append(line[len(RECORD_MARKER):].rstrip(b"\n") + b"\n")
                else:
                    plain.append(line)
            if records and self.job.get("recordsFile"):
                fd = os.open(self.job["recordsFile"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, b"".join(records))
                finally:
                    os.close(fd)
            self.out.write(b"".join(plain))
            self.out.flush()

    def fetch(self, final):
        rc, out, _ = self.yarn_cmd("logs", 120)
        if rc != 0 and not out:
            return False
        logs, complete = parse_logs(out)
        if not logs:
            return False
        self.emit(logs, final and complete)
        return complete

    def fetch_running(self):
        rc, out, _ = self.yarn_cmd("logs", 120)
        logs, _ = parse_logs(out)
        if not logs:
            return False
        self.emit(logs, False)
        return True

    def fetch_final(self, seconds):
        deadline = time.time() + seconds
        while True:
            if self.fetch(True):
                return
            if time.time() >= deadline:
                say("the application master's logs of %s were not complete after %ds; what was fetched is above" % (self.app, seconds))
                rc, out, _ = self.yarn_cmd("logs", 120)
                logs, _ = parse_logs(out)
                self.emit(logs, True)
                return
            time.sleep(1)

    def final_status(self):
        rc, out, err = self.yarn_cmd("status", 120)
        m = FINAL_STATE.search(out)
        status = m.group(1).decode() if m else ""
        put(self.job.get("finalStatusFile"), status)
        return status

    def run(self):
        job = self.job
        for z in job.get("zips") or []:
            say("Packed %d files of %s into %s" % (pack_zip(z), z["src"], z["dest"]))
        if job.get("archive"):
            pack_archive(job["archive"])
        env = dict(os.environ)
        env.update(job.get("env") or {})
        say("Submitting: " + USERINFO.sub("://***@", " ".join(job["submit"])))
        sink = open(job["submitLog"], "ab") if self.cluster else self.out
        try:
            proc = subprocess.Popen(job["submit"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, env=env)
        except OSError as e:
            say("cannot start %s: %s" % (job["submit"][0], e))
            return 127
        reader = threading.Thread(target=self.read_submit, args=(proc.stdout, sink))
        reader.daemon = True
        reader.start()
        poll = float(job.get("pollSeconds") or 2)
        final_wait = float(job.get("finalLogsSeconds") or 60)
        last = 0.0
        delay = poll
        announced = False
        while proc.poll() is None and not self.term.is_set():
            if self.app and not announced:
                announced = True
                if self.cluster:
                    say("YARN application %s: streaming its application master's stdout and stderr" % self.app)
            if self.cluster and self.app and time.time() - last >= delay:
                last = time.time()
                # A fetch that finds nothing (the container not started yet, or a cluster whose
                # NodeManager cannot serve running logs) backs off to 30 s: each is a JVM.
                delay = poll if self.fetch_running() else min(30.0, delay * 2)
            self.term.wait(0.2)
        if self.term.is_set():
            return self.cancel(proc, reader)
        rc = proc.wait()
        reader.join(10)
        if self.app is None or not self.yarn:
            return rc
        status = self.final_status()
        if self.cluster:
            self.fetch_final(final_wait)
        if status in ("FAILED", "KILLED") or rc != 0:
            say("YARN application %s ended with final status %s; spark-submit exited with %d" % (self.app, status or "unknown", rc))
            if self.cluster:
                with open(job["submitLog"], "rb") as f:
                    tail = f.read()[-4000:]
                say("the end of spark-submit's output:")
                self.out.write(tail)
                self.out.flush()
        if rc == 0 and status in ("FAILED", "KILLED"):
            rc = 1
        return rc

    def cancel(self, proc, reader):
        # spark-submit got the same SIGTERM (it is in this process group); a YARN application
        # outlives it in cluster mode, so it is killed by id.
        if self.app is None:
            reader.join(2)
        if self.app and self.yarn:
            rc, out, err = self.yarn_cmd("kill", 60)
            say("Killed YARN application %s (yarn exit status %d)" % (self.app, rc))
        try:
            proc.terminate()
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        except OSError:
            pass
        if self.app and self.yarn:
            self.final_status()
            if self.cluster:
                self.fetch_final(float(self.job.get("cancelLogsSeconds") or 20))
        return 143


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: supervisor.py JOB.json\n")
        return 2
    with open(sys.argv[1]) as f:
        job = json.load(f)
    sup = Supervisor(job)
    signal.signal(signal.SIGTERM, lambda *a: sup.term.set())
    signal.signal(signal.SIGINT, lambda *a: sup.term.set())
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    return sup.run()


if __name__ == "__main__":
    sys.exit(main())
