"""Client of the resident runner: importable, and used by the ``oracle`` command."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable, Iterator
from typing import Any

from oracle.case import Case, Outcome
from oracle.errors import OracleError

DEFAULT_SOCKET = "/oracle/oracle.sock"


def default_socket_path() -> str:
    return os.environ.get("MIRROR_ORACLE_SOCKET", DEFAULT_SOCKET)


class OracleClient:
    """One connection to the oracle; requests on it are answered in order."""

    def __init__(self, socket_path: str | os.PathLike[str] | None = None):
        self.socket_path = os.fspath(socket_path or default_socket_path())
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._socket.connect(self.socket_path)
        except OSError as error:
            self._socket.close()
            raise OracleError(
                f"cannot reach the oracle at {self.socket_path}: {error.strerror or error} "
                "(set MIRROR_ORACLE_SOCKET to its socket)"
            ) from None
        self._reader = self._socket.makefile("rb")

    def request(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.send(payload)
        return self.reply()

    def send(self, payload: dict[str, Any]) -> None:
        """Send a request; its reply is the next :meth:`reply` (the oracle answers the
        requests of a connection in order)."""
        self._socket.sendall(json.dumps(payload).encode() + b"\n")

    def reply(self) -> dict[str, Any]:
        """The reply to the oldest request whose reply is not yet read."""
        line = self._reader.readline()
        if not line:
            raise OracleError("the oracle closed the connection")
        response = json.loads(line)
        if not response.get("ok"):
            raise OracleError(response.get("error", "unknown error"))
        return response

    def ping(self) -> dict[str, Any]:
        return self.request({"op": "ping"})

    def run(self, case: Case) -> Outcome:
        self.send_run(case)
        return self.outcome()

    def send_run(self, case: Case) -> None:
        self.send({"op": "run", "case": case.to_json()})

    def outcome(self) -> Outcome:
        """The outcome replied to the oldest run request whose reply is not yet read."""
        return Outcome.from_json(self.reply()["outcome"])

    def batch(self, cases: Iterable[Case]) -> Iterator[Outcome]:
        for case in cases:
            yield self.run(case)

    def close(self) -> None:
        self._reader.close()
        self._socket.close()

    def __enter__(self) -> OracleClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
