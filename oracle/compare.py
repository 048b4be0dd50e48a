"""How an outcome differs from the expected one: the field named in receipts, and for people.

Both sides read these: scoring names the first difference of each held-out case in its
per-case file, ``mirror tests verify`` lists the fields that drifted, and ``oracle test`` shows
the agent a diff. All of them start from :meth:`oracle.case.Outcome.differences`.
"""

from __future__ import annotations

import difflib

from oracle.case import Outcome

STREAMS = ("stdout", "stderr")
TRUNCATION = ("stdout_truncated", "stderr_truncated")
DIFF_LINES = 40  # of each stream's diff shown


def first_difference(expected: Outcome, actual: Outcome) -> str | None:
    """The first behaviour field that differs (``None``: none does), as receipts name it.

    Either truncation flag is reported as ``"truncation"``.
    """
    for name in expected.differences(actual):
        return "truncation" if name in TRUNCATION else name
    return None


def explain(expected: Outcome, actual: Outcome) -> list[str]:
    """Readable lines saying how ``actual`` differs from ``expected``: a unified diff of each
    differing stream, and the expected and actual value of each other differing field."""
    lines = []
    for name in expected.differences(actual):
        want, got = getattr(expected, name), getattr(actual, name)
        if name not in STREAMS:
            lines.append(f"  {name}: expected {want!r}, yours {got!r}")
            continue
        lines.append(f"  {name} differs:")
        diff = difflib.unified_diff(
            want.decode(errors="backslashreplace").splitlines(keepends=True),
            got.decode(errors="backslashreplace").splitlines(keepends=True),
            "expected",
            "yours",
            n=1,
        )
        lines += [f"    {line.rstrip()}" for line in list(diff)[:DIFF_LINES]]
    return lines
