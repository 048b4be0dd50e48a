"""The mirrorcode runner: one definition of running a case, served on a unix socket.

Standard library only: this package is copied into every box and never imports ``mirror``.
Exports load lazily so that the ``oracle`` command starts fast inside a box.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Case": "oracle.case",
    "CaseError": "oracle.case",
    "Outcome": "oracle.case",
    "decode_bytes": "oracle.case",
    "encode_bytes": "oracle.case",
    "OracleClient": "oracle.client",
    "OracleError": "oracle.client",
    "Limits": "oracle.runner",
    "Runner": "oracle.runner",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'oracle' has no attribute {name!r}")
