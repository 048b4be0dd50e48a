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
import queue
import socketserver
import threading
import time
from collections.abc import Callable
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
    """A threaded unix-socket server whose runs share ``jobs`` job slots.

    Each connection gets a thread, as with :class:`socketserver.ThreadingMixIn`, but an idle
    one when there is: a query of the `oracle run` command is one connection, and starting a
    thread for it cost more than the rest of the server's own work on the case.
    """

    daemon_threads = True

    def __init__(
        self, socket_path: Path, runner: Runner, log_path: Path | None = None, jobs: int = 1
    ):
        if socket_path.exists():
            socket_path.unlink()
        self.runner = runner
        self.jobs = Jobs(runner, jobs)  # before any thread: workers are forked
        # After the forks, so that no job holds the query log open.
        self.log_file = log_path.open("a", encoding="utf-8") if log_path else None
        self.log_lock = threading.Lock()
        self.threads = _Threads(self.process_request_thread)
        super().__init__(str(socket_path), _Handler)
        os.chmod(socket_path, 0o666)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.threads.serve(request, client_address)

    def server_close(self) -> None:
        super().server_close()
        if self.log_file is not None:
            self.log_file.close()

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
        if self.log_file is None:
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
        with self.log_lock:
            self.log_file.write(json.dumps(entry) + "\n")
            self.log_file.flush()


class _Threads:
    """Daemon threads that serve one connection at a time and then wait for the next; a new
    thread starts only when no thread waits."""

    def __init__(self, serve: Callable[[Any, Any], None]):
        self._serve = serve
        self._connections: queue.SimpleQueue[tuple[Any, Any]] = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()

    def serve(self, request: Any, client_address: Any) -> None:
        with self._lock:
            if self._idle:
                self._idle -= 1
            else:
                threading.Thread(target=self._loop, daemon=True).start()
        self._connections.put((request, client_address))

    def _loop(self) -> None:
        while True:
            self._serve(*self._connections.get())
            with self._lock:
                self._idle += 1


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
