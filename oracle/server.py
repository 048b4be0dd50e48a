"""The resident runner: serves cases on a unix socket, one JSON line per request.

Requests are ``{"op": "run", "case": {...}}`` or ``{"op": "ping"}``; each gets one JSON line
back, ``{"ok": true, "outcome": {...}}`` or ``{"ok": false, "error": "..."}``. A connection may
carry any number of requests (``oracle batch`` streams thousands over one). Requests on
different connections run in parallel up to the number of jobs, each job at the same case
folder path in its own namespaces (``oracle/jobs.py``); every run is appended to the query log.
"""

from __future__ import annotations

import json
import os
import socketserver
import threading
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

from oracle.case import Case, CaseError
from oracle.jobs import Jobs
from oracle.runner import Runner
from oracle.wire import raw_reply

MAX_REQUEST_BYTES = 64 << 20
IDLE_TIMEOUT = 3600.0


class OracleServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """A threaded unix-socket server whose runs share ``jobs`` job slots."""

    daemon_threads = True

    def __init__(
        self, socket_path: Path, runner: Runner, log_path: Path | None = None, jobs: int = 1
    ):
        if socket_path.exists():
            socket_path.unlink()
        self.runner = runner
        self.log_path = log_path
        self.log_lock = threading.Lock()
        self.jobs = Jobs(runner, jobs)  # before any thread: workers are forked
        super().__init__(str(socket_path), _Handler)
        os.chmod(socket_path, 0o666)

    def answer(self, line: bytes) -> bytes:
        """Answer one request line: a JSON line, or a raw reply when the request asks."""
        try:
            request = json.loads(line)
        except ValueError as error:
            return _json_line({"ok": False, "error": f"request is not JSON: {error}"})
        if not isinstance(request, dict) or request.get("op") not in ("run", "ping"):
            usage = 'request must be {"op": "run", "case": {...}} or {"op": "ping"}'
            return _json_line({"ok": False, "error": usage})
        if request["op"] == "ping":
            return _json_line({"ok": True, "program": self.runner.argv0 or self.runner.program})
        try:
            case = Case.from_json(request.get("case"))
        except CaseError as error:
            return _json_line({"ok": False, "error": f"bad case: {error}"})
        outcome = self.jobs.run(case)
        self._log(case, outcome)
        if request.get("reply") == "raw":
            return raw_reply(outcome)
        return _json_line({"ok": True, "outcome": outcome.to_json()})

    def _log(self, case: Case, outcome: Any) -> None:
        if self.log_path is None:
            return
        entry = {
            "time": time.time(),
            "args": list(case.args),
            "stdin_bytes": len(case.stdin),
            "files": {name: len(data) for name, data in case.files.items()},
            "env": case.env,
            "exit_code": outcome.exit_code,
            "signal": outcome.signal,
            "timed_out": outcome.timed_out,
            "stdout_bytes": len(outcome.stdout),
            "stderr_bytes": len(outcome.stderr),
            "files_out": {name: len(data) for name, data in outcome.files.items()},
            "duration": round(outcome.duration, 6),
        }
        with self.log_lock, open(self.log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")


class _Handler(socketserver.StreamRequestHandler):
    server: OracleServer

    def handle(self) -> None:
        self.connection.settimeout(IDLE_TIMEOUT)
        while True:
            try:
                line = self.rfile.readline(MAX_REQUEST_BYTES + 1)
            except (OSError, TimeoutError):
                return
            if not line:
                return
            if len(line) > MAX_REQUEST_BYTES:
                error = f"request over {MAX_REQUEST_BYTES} bytes"
                self._reply(_json_line({"ok": False, "error": error}))
                return
            if not self._reply(self.server.answer(line)):
                return

    def _reply(self, response: bytes) -> bool:
        try:
            self.wfile.write(response)
            self.wfile.flush()
        except OSError:
            return False
        return True


def _json_line(response: dict[str, Any]) -> bytes:
    return json.dumps(response).encode() + b"\n"


def serve(socket_path: Path, runner: Runner, log_path: Path | None = None, jobs: int = 1) -> None:
    """Serve until interrupted."""
    with OracleServer(socket_path, runner, log_path, jobs) as server, suppress(KeyboardInterrupt):
        server.serve_forever(poll_interval=0.2)
