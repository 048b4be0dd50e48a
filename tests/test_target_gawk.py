"""The gawk target: run as `awk`, its programs stay deterministic, its suites record the files
they write, gawk's own test suite comes in as a family, and the agent image's mawk is masked."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings

from mirror.specs.generators import any_case, generators_module
from mirror.specs.targets import get_target
from mirror.suites.format import read_suite
from mirror.suites.store import visible_path
from oracle.case import Case

GAWK = get_target("gawk")
# What would make an outcome change from run to run: the clock, chance, process ids, the
# environment the runner sets.
UNSTABLE = re.compile(r"systime\(|srand\(\s*\)|\brand\(|PROCINFO\[\"(pid|ppid|pgrpid)|ENVIRON")


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(any_case("gawk"))
def test_generated_programs_avoid_what_varies_between_runs(case: Case) -> None:
    program = b"".join([*case.files.values(), *(a.encode() for a in case.args)]).decode()
    assert not UNSTABLE.search(program)
    # gawk walks `for (k in a)` in its own hash order: the generated programs set a sorted one.
    if re.search(r"for \(\w+ in \w+\)", program):
        assert 'PROCINFO["sorted_in"]' in program
    # Time functions get a fixed time and a time zone that needs no tz database.
    if "strftime" in program or "mktime" in program:
        assert case.env.get("TZ") and any(c.isdigit() for c in case.env["TZ"])


def test_the_spec_runs_gawk_as_awk_and_hides_mawk() -> None:
    assert (GAWK.command, GAWK.binary, GAWK.bucket, GAWK.heldout_min) == (
        "awk",
        "/usr/bin/gawk",
        "L",
        2000,
    )
    assert [rival.name for rival in GAWK.rivals] == ["mawk", "original-awk", "busybox"]
    assert GAWK.hide == ["/usr/bin/mawk"]


def test_the_sandbox_grants_programs_it_starts_their_libraries_one_by_one() -> None:
    """The whole library folder would let a case read libsigsegv, which gawk links and the
    agent image lacks (the red team's shared-library reader found it)."""
    execute = GAWK.sandbox.execute
    assert "/usr/bin" in execute and "/usr/lib/x86_64-linux-gnu" not in execute
    assert "/usr/lib/x86_64-linux-gnu/libc.so.6" in execute
    assert not any("sigsegv" in path for path in execute)


def test_makefile_lists_are_read_with_their_continuation_lines() -> None:
    module = generators_module("gawk")
    text = "BASIC_TESTS = \\\n\taddcomma anchgsub \\\n\tzeroflag\n\nNEED_LINT = defref\nx:\n"
    assert module._lists(text) == {
        "BASIC_TESTS": ["addcomma", "anchgsub", "zeroflag"],
        "NEED_LINT": ["defref"],
    }


def test_the_visible_suite_holds_upstream_tests_and_golds_with_output_files() -> None:
    entries = read_suite(visible_path(GAWK))
    upstream = [e for e in entries if e.family == "upstream"]
    assert upstream and all(e.case.args[:1] == ("-f",) for e in upstream)
    assert all(e.case.args[1] in e.case.files for e in upstream)
    written = [e for e in entries if e.gold.files]
    assert any(e.family == "io" for e in written)
    # Run as `awk`, gawk names itself so in its messages.
    messages = [e.gold.stderr for e in entries if e.gold.stderr]
    assert messages and not any(m.startswith(b"gawk:") for m in messages)
    assert any(m.startswith(b"awk: ") for m in messages)


@pytest.mark.docker
@pytest.mark.slow
def test_the_reference_writes_files_and_names_itself_awk(box_factory) -> None:
    program = 'BEGIN { print "kept" > "out.txt"; print "x" | "sort > sorted.txt" } END { y = 1 +'
    fixed = 'BEGIN { print "kept" > "out.txt"; printf "b\\na\\n" | "sort > sorted.txt" }'
    with box_factory("gawk").client() as client:
        broken = client.run(Case(args=(program,), timeout=10))
        written = client.run(Case(args=(fixed,), timeout=10))
    # A syntax error: nothing runs, so nothing is written; the message names `awk`.
    assert (broken.exit_code, broken.files) == (1, {})
    assert broken.stderr.startswith(b"awk: cmd. line:") and b"gawk" not in broken.stderr
    assert (written.exit_code, written.stdout, written.stderr) == (0, b"", b"")
    assert written.files == {"out.txt": b"kept\n", "sorted.txt": b"a\nb\n"}


@pytest.mark.docker
@pytest.mark.slow
def test_mawk_is_unreadable_and_unrunnable_in_a_gawk_agent_box(tmp_path) -> None:
    """The agent image's /usr/bin/awk is mawk: a candidate wrapping it would be no rebuild."""
    from mirror.boxes.agent_image import hidden_paths
    from mirror.boxes.containers import agent_box

    assert "/usr/bin/mawk" in hidden_paths(GAWK)
    (tmp_path / "task").mkdir()
    (tmp_path / "sock").mkdir()
    probe = (
        "head -c 4 /usr/bin/mawk | od -c | head -1; wc -c < /usr/bin/mawk; "
        "/usr/bin/mawk 'BEGIN { print 6 * 7 }'; echo mawk=$?; "
        "awk 'BEGIN { print 6 * 7 }'; echo awk=$?"
    )
    with agent_box(GAWK, tmp_path / "task", tmp_path / "work", tmp_path / "sock") as box:
        result = box.exec_run(["timeout", "20", "sh", "-c", probe])
    output = result.output.decode()
    assert "E   L   F" not in output and "42" not in output
    assert re.search(r"^0$", output, re.MULTILINE)  # zero bytes to read
    assert "mawk=126" in output and "awk=126" in output  # found, but not executable
