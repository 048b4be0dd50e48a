"""The mirrorcode runner: one definition of running a case, served on a unix socket.

Standard library only: this package is copied into every box and never imports ``mirror``.
Exports load lazily, and this file imports nothing, so that ``oracle run`` starts fast.
"""

_EXPORTS = {
    "Case": "oracle.case",
    "CaseError": "oracle.errors",
    "Outcome": "oracle.case",
    "decode_bytes": "oracle.case",
    "encode_bytes": "oracle.case",
    "OracleClient": "oracle.client",
    "OracleError": "oracle.errors",
    "Limits": "oracle.runner",
    "Runner": "oracle.runner",
    "Sandbox": "oracle.runner",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        module = __import__(_EXPORTS[name], fromlist=[name])
        return getattr(module, name)
    raise AttributeError(f"module 'oracle' has no attribute {name!r}")
