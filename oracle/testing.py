"""``oracle test``: the visible suite against the agent's build, with readable differences.

Runs inside the agent box as the agent's user, through the same runner that captured the gold.
Volatile cases (whose gold depends on when it is captured) are answered live by the oracle.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from oracle.compare import explain
from oracle.runner import Runner, Sandbox
from oracle.suite import read_suite

DEFAULT_SUITE = "/task/tests/visible.jsonl"
DEFAULT_WORKSPACE = "/work"


def _default_program() -> str:
    command = os.environ.get("MIRROR_COMMAND")
    if not command:
        raise SystemExit("oracle test: give --program PATH or set MIRROR_COMMAND")
    return f"{os.environ.get('MIRROR_WORKSPACE', DEFAULT_WORKSPACE)}/bin/{command}"


def run_visible_suite(suite: str | None, program: str | None, family: str | None, show: int) -> int:
    """Run every case of the suite; print the first ``show`` failures and a summary."""
    path = Path(suite or os.environ.get("MIRROR_SUITE", DEFAULT_SUITE))
    runner = Runner(
        program=program or _default_program(),
        argv0=os.environ.get("MIRROR_COMMAND"),
        sandbox=Sandbox.limits_only(),
    )
    live = None
    passed = failed = shown = 0
    for entry in read_suite(path):
        if family and entry.family != family:
            continue
        if entry.volatile:
            if live is None:
                from oracle.client import OracleClient

                live = OracleClient()
            expected = live.run(entry.case)
        else:
            expected = entry.gold
        actual = runner.run(entry.case)
        if actual.same_behaviour(expected):
            passed += 1
            continue
        failed += 1
        if shown < show:
            shown += 1
            print(f"FAIL {entry.id} [{entry.family}] args={list(entry.case.args)!r}")
            print("\n".join(explain(expected, actual)))
    if live is not None:
        live.close()
    print(f"{passed} passed, {failed} failed")
    sys.stdout.flush()
    return 0 if failed == 0 else 1
