"""How an outcome differs from the expected one: the field named in receipts, and for people.

Both sides read these: scoring names the first difference of each held-out case in its
per-case file, ``mirror tests verify`` lists the fields that drifted, and ``oracle test`` shows
the agent a diff. All of them start from :meth:`oracle.case.Outcome.differences`.
"""

from __future__ import annotations

import difflib

from oracle.case import Outcome

STREAMS = ("stdout", "stderr")
TRUNCATION = ("stdout_truncated", "stderr_truncated", "files_truncated")
DIFF_LINES = 40  # of each stream's diff shown


def first_difference(expected: Outcome, actual: Outcome) -> str | None:
    """The first behaviour field that differs (``None``: none does), as receipts name it.

    Any truncation flag is reported as ``"truncation"``; output files as ``"files"``.
    """
    for name in expected.differences(actual):
        return "truncation" if name in TRUNCATION else name
    return None


def explain(expected: Outcome, actual: Outcome) -> list[str]:
    """Readable lines saying how ``actual`` differs from ``expected``: a unified diff of each
    differing stream and output file, which files are missing or extra, and the expected and
    actual value of each other differing field."""
    lines = []
    for name in expected.differences(actual):
        want, got = getattr(expected, name), getattr(actual, name)
        if name in STREAMS:
            lines.append(f"  {name} differs:")
            lines += _diff(want, got)
        elif name == "files":
            lines += _files(want, got)
        else:
            lines.append(f"  {name}: expected {want!r}, yours {got!r}")
    return lines


def _files(want: dict[str, bytes], got: dict[str, bytes]) -> list[str]:
    lines = []
    for name in sorted(want.keys() | got.keys()):
        if name not in got:
            lines.append(f"  file {name!r}: expected, yours did not write it")
        elif name not in want:
            lines.append(f"  file {name!r}: yours wrote it, the reference did not")
        elif want[name] != got[name]:
            lines.append(f"  file {name!r} differs:")
            lines += _diff(want[name], got[name])
    return lines


def _diff(want: bytes, got: bytes) -> list[str]:
    diff = difflib.unified_diff(
        want.decode(errors="backslashreplace").splitlines(keepends=True),
        got.decode(errors="backslashreplace").splitlines(keepends=True),
        "expected",
        "yours",
        n=1,
    )
    return [f"    {line.rstrip()}" for line in list(diff)[:DIFF_LINES]]
