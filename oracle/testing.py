"""``oracle test``: the visible suite against the agent's build, with readable differences.

Runs inside the agent box as the agent's user, through the same runner that captured the gold.
Volatile cases (whose gold depends on when it is captured) are answered live by the oracle.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from pathlib import Path

from oracle.case import Case, Outcome
from oracle.runner import Runner

DEFAULT_SUITE = "/task/tests/visible.jsonl"
DEFAULT_WORKSPACE = "/work"
STREAMS = ("stdout", "stderr")


def _default_program() -> str:
    command = os.environ.get("MIRROR_COMMAND")
    if not command:
        raise SystemExit("oracle test: give --program PATH or set MIRROR_COMMAND")
    return f"{os.environ.get('MIRROR_WORKSPACE', DEFAULT_WORKSPACE)}/bin/{command}"


def differences(expected: Outcome, actual: Outcome) -> list[str]:
    """Human-readable lines saying how ``actual`` differs from ``expected``."""
    lines = []
    for stream in STREAMS:
        want, got = getattr(expected, stream), getattr(actual, stream)
        if want != got:
            lines.append(f"  {stream} differs:")
            diff = difflib.unified_diff(
                want.decode(errors="backslashreplace").splitlines(keepends=True),
                got.decode(errors="backslashreplace").splitlines(keepends=True),
                "expected",
                "yours",
                n=1,
            )
            lines += [f"    {line.rstrip()}" for line in list(diff)[:40]]
    for field in ("exit_code", "signal", "timed_out", "stdout_truncated", "stderr_truncated"):
        want, got = getattr(expected, field), getattr(actual, field)
        if want != got:
            lines.append(f"  {field}: expected {want!r}, yours {got!r}")
    return lines


def run_visible_suite(suite: str | None, program: str | None, family: str | None, show: int) -> int:
    """Run every case of the suite; print the first ``show`` failures and a summary."""
    path = Path(suite or os.environ.get("MIRROR_SUITE", DEFAULT_SUITE))
    runner = Runner(program=program or _default_program(), argv0=os.environ.get("MIRROR_COMMAND"))
    live = None
    passed = failed = shown = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if family and record["family"] != family:
            continue
        case = Case.from_json(record["case"])
        if record.get("volatile"):
            if live is None:
                from oracle.client import OracleClient

                live = OracleClient()
            expected = live.run(case)
        else:
            expected = Outcome.from_json(record["gold"])
        actual = runner.run(case)
        if actual.same_behaviour(expected):
            passed += 1
            continue
        failed += 1
        if shown < show:
            shown += 1
            print(f"FAIL {record['id']} [{record['family']}] args={list(case.args)!r}")
            print("\n".join(differences(expected, actual)))
    if live is not None:
        live.close()
    print(f"{passed} passed, {failed} failed")
    sys.stdout.flush()
    return 0 if failed == 0 else 1
