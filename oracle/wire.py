"""The fast path of ``oracle run``: one request and a raw reply, with next to nothing imported.

An agent types ``oracle run`` thousands of times, so its start-up is most of its cost: this
module needs no ``json``, ``dataclasses`` or ``socket`` package. A request asks for
``"reply": "raw"`` and the server answers with one header line,
``raw EXIT SIGNAL TIMED_OUT STDOUT_TRUNCATED STDERR_TRUNCATED STDOUT_LEN STDERR_LEN
FILES_TRUNCATED FILES_LEN`` (``-`` for an absent exit code or signal), then the stdout and
stderr bytes, then FILES_LEN bytes of output files, each as a line ``NAME_LEN DATA_LEN`` and
the name's bytes (UTF-8, surrogateescape) and data's; an error is the usual JSON line.
"""

import _socket
import binascii

from oracle.errors import OracleError

TYPE_CHECKING = False  # typing stays off the start-up path of `oracle run`
if TYPE_CHECKING:
    from oracle.case import Outcome

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def json_string(text: str) -> str:
    """``text`` as a JSON string literal; a lone surrogate (an undecodable byte of argv, say)
    as its escape, which the server's ``json`` reads back and ``subprocess`` turns back into
    the byte."""
    return (
        '"'
        + "".join(
            _ESCAPES.get(c)
            or (f"\\u{ord(c):04x}" if c < " " or c == "\x7f" or "\ud800" <= c <= "\udfff" else c)
            for c in text
        )
        + '"'
    )


def json_bytes(data: bytes) -> str:
    """Bytes as the case format encodes them: text when UTF-8, else a base64 object."""
    try:
        return json_string(data.decode("utf-8"))
    except UnicodeDecodeError:
        return '{"base64": "' + binascii.b2a_base64(data, newline=False).decode() + '"}'


def raw_request(
    args: list[str], stdin: bytes, files: dict[str, bytes], env: dict[str, str], timeout: float
) -> bytes:
    """The request line of a run asking for a raw reply."""
    parts = ['"args": [' + ", ".join(map(json_string, args)) + "]", f'"timeout": {timeout!r}']
    if stdin:
        parts.append('"stdin": ' + json_bytes(stdin))
    if files:
        pairs = (f"{json_string(name)}: {json_bytes(data)}" for name, data in files.items())
        parts.append('"files": {' + ", ".join(pairs) + "}")
    if env:
        pairs = (f"{json_string(key)}: {json_string(value)}" for key, value in env.items())
        parts.append('"env": {' + ", ".join(pairs) + "}")
    return ('{"op": "run", "reply": "raw", "case": {' + ", ".join(parts) + "}}\n").encode()


def raw_reply(outcome: "Outcome") -> bytes:
    """The server's side: header line, streams and files (see the module docstring)."""
    files = b"".join(
        f"{len(encoded)} {len(data)}\n".encode() + encoded + data
        for encoded, data in (
            (name.encode("utf-8", "surrogateescape"), data) for name, data in outcome.files.items()
        )
    )
    flags = (outcome.timed_out, outcome.stdout_truncated, outcome.stderr_truncated)
    header = [
        "-" if outcome.exit_code is None else str(outcome.exit_code),
        "-" if outcome.signal is None else str(outcome.signal),
        *("1" if flag else "0" for flag in flags),
        str(len(outcome.stdout)),
        str(len(outcome.stderr)),
        "1" if outcome.files_truncated else "0",
        str(len(files)),
    ]
    line = ("raw " + " ".join(header) + "\n").encode()
    return line + outcome.stdout + outcome.stderr + files


def parse_files(data: bytes) -> dict[str, bytes]:
    """The output files of a raw reply's files part."""
    files, offset = {}, 0
    while offset < len(data):
        end = data.index(b"\n", offset)
        name_len, data_len = map(int, data[offset:end].split())
        start = end + 1 + name_len
        name = data[end + 1 : start].decode("utf-8", "surrogateescape")
        files[name] = data[start : start + data_len]
        offset = start + data_len
    return files


def run_raw(socket_path: str, request: bytes) -> tuple[list[str], bytes, bytes, bytes]:
    """Send one raw request; return the header fields, stdout, stderr and the files part."""
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(socket_path)
    except OSError as error:
        sock.close()
        raise OracleError(
            f"cannot reach the oracle at {socket_path}: {error.strerror or error} "
            "(set MIRROR_ORACLE_SOCKET to its socket)"
        ) from None
    try:
        sock.sendall(request)
        data = b""
        while b"\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                raise OracleError("the oracle closed the connection")
            data += chunk
        line, _, data = data.partition(b"\n")
        if not line.startswith(b"raw "):
            import json

            raise OracleError(json.loads(line).get("error", "unknown error"))
        fields = line.decode().split()[1:]
        need = int(fields[5]) + int(fields[6]) + int(fields[8])
        while len(data) < need:
            chunk = sock.recv(max(65536, need - len(data)))
            if not chunk:
                raise OracleError("the oracle closed the connection mid-reply")
            data += chunk
    finally:
        sock.close()
    split, files = int(fields[5]), int(fields[5]) + int(fields[6])
    return fields, data[:split], data[split:files], data[files:need]
