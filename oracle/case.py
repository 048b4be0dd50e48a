"""A case, its outcome, and their JSON form.

Byte fields (stdin, files, stdout, stderr, output files) are encoded as a plain string when
they are valid UTF-8 and as ``{"base64": "..."}`` otherwise, so suites stay readable and exact.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

from oracle.errors import CaseError

DEFAULT_TIMEOUT = 10.0
# The dynamic loader and the sandbox read these before the program runs: a case may not set them.
RESERVED_ENV_PREFIXES = ("LD_", "MIRROR_", "GLIBC_TUNABLES")
MAX_TIMEOUT = 600.0
# What an outcome's behaviour is: two outcomes that agree on these fields behave the same.
BEHAVIOUR = (
    "stdout",
    "stderr",
    "exit_code",
    "signal",
    "timed_out",
    "stdout_truncated",
    "stderr_truncated",
    "files",
    "files_truncated",
)


def encode_bytes(data: bytes) -> str | dict[str, str]:
    """Encode bytes as text when they are UTF-8, else as a base64 object."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def decode_bytes(value: object, where: str) -> bytes:
    """Decode a value written by :func:`encode_bytes`; ``where`` names the field in errors."""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, dict) and set(value) == {"base64"} and isinstance(value["base64"], str):
        try:
            return base64.b64decode(value["base64"], validate=True)
        except binascii.Error as error:
            raise CaseError(f"{where}: invalid base64 ({error})") from None
    raise CaseError(f'{where}: expected a string or {{"base64": "..."}}, got {value!r:.60}')


def check_file_name(name: str) -> str:
    """Return ``name`` if it is a relative path confined to the case folder, else raise."""
    parts = name.split("/")
    if (
        not name
        or "\0" in name
        or name.startswith("/")
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise CaseError(
            f"files: name {name!r} must be a relative path inside the case folder "
            "(no leading '/', no '.' or '..' parts, no empty parts)"
        )
    return name


@dataclass(frozen=True)
class Case:
    """One invocation of the program: arguments after argv[0], stdin, input files, env."""

    args: tuple[str, ...] = ()
    stdin: bytes = b""
    files: dict[str, bytes] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT

    def to_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {"args": list(self.args)}
        if self.stdin:
            record["stdin"] = encode_bytes(self.stdin)
        if self.files:
            record["files"] = {name: encode_bytes(data) for name, data in self.files.items()}
        if self.env:
            record["env"] = dict(self.env)
        if self.timeout != DEFAULT_TIMEOUT:
            record["timeout"] = float(self.timeout)  # 5 and 5.0 are one case, one id
        return record

    @classmethod
    def from_json(cls, record: object) -> Case:
        if not isinstance(record, dict):
            raise CaseError(f"case: expected an object, got {type(record).__name__}")
        args = record.get("args", [])
        if not isinstance(args, list) or not all(isinstance(arg, str) for arg in args):
            raise CaseError("args: expected a list of strings")
        if any("\0" in arg for arg in args):
            raise CaseError("args: a NUL character cannot be passed to a program")
        files = record.get("files", {})
        if not isinstance(files, dict):
            raise CaseError('files: expected an object {"name": contents}')
        env = record.get("env", {})
        if not isinstance(env, dict) or not all(
            isinstance(key, str) and isinstance(value, str) and key and "=" not in key
            for key, value in env.items()
        ):
            raise CaseError('env: expected an object {"NAME": "value"} of strings')
        if any("\0" in key or "\0" in value for key, value in env.items()):
            raise CaseError("env: a NUL character cannot be passed to a program")
        reserved = sorted(key for key in env if key.startswith(RESERVED_ENV_PREFIXES))
        if reserved:
            raise CaseError(f"env: {', '.join(reserved)} reserved (LD_*, MIRROR_*, GLIBC_TUNABLES)")
        timeout = record.get("timeout", DEFAULT_TIMEOUT)
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, (int, float))
            or not 0 < timeout <= MAX_TIMEOUT
        ):
            raise CaseError(f"timeout: expected seconds in (0, {MAX_TIMEOUT:g}], got {timeout!r}")
        return cls(
            args=tuple(args),
            stdin=decode_bytes(record.get("stdin", ""), "stdin"),
            files={
                check_file_name(name): decode_bytes(data, f"files[{name!r}]")
                for name, data in files.items()
            },
            env=env,
            timeout=float(timeout),
        )


def _files(record: object, where: str) -> dict[str, bytes]:
    if not isinstance(record, dict):
        raise CaseError(f'{where}: expected an object {{"name": contents}}')
    return {
        check_file_name(name): decode_bytes(data, f"{where}[{name!r}]")
        for name, data in record.items()
    }


@dataclass(frozen=True)
class Outcome:
    """What one run of a case produced.

    ``files`` are the regular files the run left in its case folder that it created or changed
    (an input file left as it was is not one), by relative name in name order; their bytes
    count against the same cap as each stream, ``files_truncated`` saying the cap cut them.
    """

    stdout: bytes
    stderr: bytes
    exit_code: int | None
    signal: int | None = None
    timed_out: bool = False
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    duration: float = 0.0
    files: dict[str, bytes] = field(default_factory=dict, hash=False)
    files_truncated: bool = False

    def same_behaviour(self, other: Outcome) -> bool:
        """Whether two outcomes match byte for byte (duration aside)."""
        return self.key() == other.key()

    def key(self) -> tuple[object, ...]:
        """The outcome's behaviour fields (:data:`BEHAVIOUR`), for comparing and hashing."""
        return tuple(
            tuple(sorted(self.files.items())) if name == "files" else getattr(self, name)
            for name in BEHAVIOUR
        )

    def differences(self, other: Outcome) -> list[str]:
        """The behaviour fields in which ``other`` differs from this outcome, in their order."""
        return [name for name in BEHAVIOUR if getattr(self, name) != getattr(other, name)]

    def to_json(self) -> dict[str, Any]:
        """The outcome as JSON; ``files`` and ``files_truncated`` only when a run left files
        (so an outcome without files reads as it did before files were recorded)."""
        record: dict[str, Any] = {
            "stdout": encode_bytes(self.stdout),
            "stderr": encode_bytes(self.stderr),
            "exit_code": self.exit_code,
            "signal": self.signal,
            "timed_out": self.timed_out,
            "stdout_truncated": self.stdout_truncated,
            "stderr_truncated": self.stderr_truncated,
        }
        if self.files:
            record["files"] = {name: encode_bytes(data) for name, data in self.files.items()}
        if self.files_truncated:
            record["files_truncated"] = True
        record["duration"] = round(self.duration, 6)
        return record

    @classmethod
    def from_json(cls, record: object) -> Outcome:
        if not isinstance(record, dict):
            raise CaseError(f"outcome: expected an object, got {type(record).__name__}")
        try:
            return cls(
                stdout=decode_bytes(record["stdout"], "stdout"),
                stderr=decode_bytes(record["stderr"], "stderr"),
                exit_code=record["exit_code"],
                signal=record.get("signal"),
                timed_out=bool(record.get("timed_out", False)),
                stdout_truncated=bool(record.get("stdout_truncated", False)),
                stderr_truncated=bool(record.get("stderr_truncated", False)),
                duration=float(record.get("duration", 0.0)),
                files=_files(record.get("files", {}), "files"),
                files_truncated=bool(record.get("files_truncated", False)),
            )
        except KeyError as missing:
            raise CaseError(f"outcome: missing field {missing}") from None
