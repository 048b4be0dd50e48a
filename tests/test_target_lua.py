"""The lua target: its programs stay deterministic, its suites record the files they write, and
its shell commands run in the reference box as on any Debian system."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings

from mirror.specs.generators import any_case, generators
from mirror.specs.targets import get_target
from mirror.strength.coverage import read_record
from mirror.suites.format import read_suite
from mirror.suites.store import load_suite, visible_path
from oracle.case import Case

# What would make an outcome change from run to run: addresses, hash order, the clock, chance.
UNSTABLE = re.compile(r"\bpairs\(|os\.(time|clock|date)\(\)|math\.random\(|print\(\{|print\(t\)")


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(any_case("lua"))
def test_generated_programs_avoid_what_varies_between_runs(case: Case) -> None:
    program = b"".join([case.stdin, *case.files.values(), *(a.encode() for a in case.args)])
    assert not UNSTABLE.search(program.decode(errors="replace"))


# A method called on a bare string literal ("abc":upper()) is a syntax error in Lua.
BARE_METHOD = re.compile(r'(?<![(\w])"[^"\n]*":\w+\(')


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(generators("lua")["strings"])
def test_string_methods_are_called_on_parenthesised_literals(case: Case) -> None:
    program = b"".join([case.stdin, *case.files.values(), *(a.encode() for a in case.args)])
    assert not BARE_METHOD.search(program.decode(errors="replace"))


def test_both_suites_hold_every_family_and_reach_most_of_lua() -> None:
    """The families added for issue 13 (binary chunks, debug hooks, utf8, packing, the
    collector...) are on both sides, and the held-out suite covers at least 80 % of the lines."""
    suite = load_suite(get_target("lua"))
    families = set(generators("lua"))
    assert families <= {e.family for e in suite.visible}
    assert families <= {e.family for e in suite.heldout}
    record = read_record(get_target("lua"))
    assert record is not None
    line = record["heldout"]["line"]
    assert line["covered"] >= 0.8 * line["total"]


def test_the_visible_suite_holds_golds_with_output_files() -> None:
    entries = read_suite(visible_path(get_target("lua")))
    written = [e for e in entries if e.gold.files]
    assert written and all(e.family == "files" or "io.open" in repr(e.case) for e in written)
    assert any("new.txt" in e.gold.files for e in written)


def test_the_spec_is_a_large_target_with_its_rival() -> None:
    target = get_target("lua")
    assert target.bucket == "L" and target.heldout_min >= 2000
    assert [rival.name for rival in target.rivals] == ["luajit"]


def test_the_sandbox_lets_its_shell_commands_start() -> None:
    assert get_target("lua").sandbox.execute == ["/usr/bin", "/usr/lib/x86_64-linux-gnu"]


@pytest.mark.docker
@pytest.mark.slow
def test_os_execute_runs_a_shell_in_the_reference_box(box_factory) -> None:
    """Without the sandbox's execute paths, system() failed with EACCES (os.execute gave 13)."""
    script = "local ok, how, status = os.execute('echo from-sh; exit 3') print(ok, how, status)"
    outcome = box_factory("lua").client().run(Case(args=("-e", script), timeout=10))
    assert (outcome.exit_code, outcome.stderr) == (0, b"")
    assert outcome.stdout == b"from-sh\nnil\texit\t3\n"
