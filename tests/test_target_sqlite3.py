"""The sqlite3 target: its scripts stay deterministic, its suites record the database and output
files the shell writes, its shell commands start while the SQLite library stays unreadable, and
the agent image's copy of the library is masked (Python's sqlite3 module cannot load)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from mirror.specs.generators import any_case, generators_module
from mirror.specs.targets import get_target
from mirror.suites.format import read_suite
from mirror.suites.store import visible_path
from oracle.case import Case

SQLITE3 = get_target("sqlite3")
LIBRARY = "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0"
# What would make an outcome change from run to run: chance, the clock, timings, memory use.
UNSTABLE = re.compile(r"random(blob)?\(|'now'|current_(date|time)|\.timer|\.stats|-stats", re.I)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(any_case("sqlite3"))
def test_generated_scripts_avoid_what_varies_between_runs(case: Case) -> None:
    text = b"\n".join([case.stdin, *case.files.values(), *(a.encode() for a in case.args)])
    script = text.decode(errors="replace")
    assert not UNSTABLE.search(script)
    # Every recursive query is bounded by a WHERE or a LIMIT (a runaway one is a timeout).
    for query in re.findall(r"WITH RECURSIVE.*", script):
        assert " WHERE " in query or " LIMIT " in query or "JOIN" in query


def test_input_databases_are_the_same_bytes_for_the_same_statements() -> None:
    module = generators_module("sqlite3")
    statements = ["CREATE TABLE t(a INTEGER, b TEXT)", "INSERT INTO t VALUES(1, 'x')"]
    first = module.database_bytes(statements)
    assert first == module.database_bytes(statements)
    assert first.startswith(b"SQLite format 3\0") and len(first) % 4096 == 0
    # A statement the generated rows break (here a duplicate key) is left out, not fatal.
    broken = module.database_bytes([*statements, "CREATE TABLE u(a UNIQUE)", "INSERT INTO u "
                                    "VALUES(1)", "INSERT INTO u VALUES(1)"])  # fmt: skip
    assert broken.startswith(b"SQLite format 3\0")


def test_the_spec_is_a_large_target_without_rivals_whose_sandbox_spares_the_library() -> None:
    assert (SQLITE3.bucket, SQLITE3.heldout_min, SQLITE3.rivals) == ("L", 2000, [])
    # Execute implies read under Landlock: the folder holding libsqlite3 is never granted whole.
    execute = SQLITE3.sandbox.execute
    assert "/usr/bin" in execute
    assert not [path for path in execute if LIBRARY.startswith(path + "/") or path == LIBRARY]
    assert "/usr/lib/x86_64-linux-gnu" not in execute


def test_the_visible_suite_holds_written_databases_and_output_files() -> None:
    entries = read_suite(visible_path(SQLITE3))
    assert {e.family for e in entries} >= {"files", "databases", "import", "errors", "modes"}
    written = {name: data for e in entries for name, data in (e.gold.files or {}).items()}
    assert any(data.startswith(b"SQLite format 3\0") for data in written.values())
    assert "out.txt" in written
    messages = [e.gold.stderr for e in entries if e.family == "errors"]
    assert any(b"constraint failed" in m for m in messages)
    assert any(b"syntax error" in m for m in messages)


@pytest.mark.docker
@pytest.mark.slow
def test_the_reference_writes_files_and_runs_shell_commands_but_not_its_library(
    box_factory,
) -> None:
    script = (
        b"CREATE TABLE t(a INTEGER PRIMARY KEY, b);\nINSERT INTO t VALUES(1, 'one');\n"
        b".once out.txt\nSELECT b FROM t;\n.shell echo from-sh\n"
        b"SELECT quote(readfile('" + LIBRARY.encode() + b"'));\n"
    )
    case = Case(args=("test.db",), stdin=script, timeout=10)
    with box_factory("sqlite3").client() as client:
        first, second = client.run(case), client.run(case)
        cat = client.run(Case(args=(":memory:", f".shell cat {LIBRARY} | wc -c"), timeout=10))
    assert (first.exit_code, first.stderr) == (0, b"")
    assert first.stdout == b"from-sh\nNULL\n"
    assert first.files["out.txt"] == b"one\n"
    assert first.files["test.db"].startswith(b"SQLite format 3\0")
    assert first.files == second.files  # a written database is byte-stable across runs
    assert b"Permission denied" in cat.stderr and cat.stdout.strip() == b"0"


@pytest.mark.docker
@pytest.mark.slow
def test_scoring_boxes_mask_the_library_so_python_cannot_import_sqlite3(tmp_path: Path) -> None:
    from mirror.boxes.agent_image import hidden_paths, masks
    from mirror.scoring.score import build_workspace

    assert LIBRARY in hidden_paths(SQLITE3)
    work = tmp_path / "work"
    work.mkdir()
    (work / "build.sh").write_text(
        "python3 -c 'import sqlite3' 2>&1 | tail -n 1\n"
        "python3 -c 'import json; print(\"python ok\")'\n"
    )
    for path in (work, work / "build.sh"):
        path.chmod(0o777)
    log = tmp_path / "build.log"
    assert build_workspace(work, log, masks(SQLITE3), timeout=120) == "ok"
    text = log.read_text()
    assert "ImportError" in text and "python ok" in text
