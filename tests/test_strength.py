"""Suite strength: mutation points, profile arithmetic, and coverage of colt through the runner."""

from __future__ import annotations

import pytest

from mirror.strength.mutate import choose_mutants, mutation_points
from mirror.strength.profile import Profile
from oracle.case import Case

SOURCE = b"""#define LIMIT 4
static int table[LIMIT];
int clamp(int x, int low)
{
    if (x < low && low != 0)
        return low + 1;
    while (x > 10)
        x = x / 2;
    return x;
}
"""


def test_mutation_points_are_in_function_bodies_and_apply_in_place() -> None:
    points = mutation_points("clamp.c", SOURCE)
    kinds = {(p.kind, p.original, p.replacement) for p in points}
    assert ("operator", "<", "<=") in kinds
    assert ("operator", "&&", "||") in kinds
    assert ("operator", "/", "*") in kinds
    assert ("constant", "0", "1") in kinds
    assert ("condition", "(x > 10)", "(!(x > 10))") in kinds
    # The array size outside any function is not a point.
    assert all(p.line >= 4 for p in points)
    plus = next(p for p in points if p.original == "+")
    assert b"return low - 1;" in plus.apply(SOURCE)
    assert len(plus.apply(SOURCE)) == len(SOURCE)


def test_mutant_draw_is_seeded() -> None:
    files = {"clamp.c": SOURCE}
    first, again = choose_mutants(files, 4, seed=7), choose_mutants(files, 4, seed=7)
    assert first == again
    assert [m.id for m in first] == [1, 2, 3, 4]
    assert len(choose_mutants(files, 1000, seed=0)) == len(mutation_points("clamp.c", SOURCE))


def test_profiles_merge_by_summing_counts() -> None:
    one = Profile({"a.c": {"lines": {"1": 1, "2": 0}, "branches": {"1": [1, 0]}, "functions": {}}})
    two = Profile(
        {
            "a.c": {
                "lines": {"1": 0, "2": 3},
                "branches": {"1": [0, 2]},
                "functions": {"f": [1, 2, 1]},
            }
        }
    )
    both = one.merged(two).summary()
    assert (both.line.covered, both.line.total) == (2, 2)
    assert (both.branch.covered, both.branch.total) == (2, 2)
    assert (both.function.covered, both.function.total) == (1, 1)
    assert one.summary().line.covered == 1  # merging made a new profile


@pytest.mark.docker
def test_a_transpose_case_raises_transpose_rows_from_zero() -> None:
    """colt's --transpose handler runs only when a case asks for it."""
    from mirror.specs.targets import get_target
    from mirror.strength.coverage import coverage_session

    table = b"a b\nc d\n"
    with coverage_session(get_target("colt")) as session:
        plain, outcomes = session.profile([Case(stdin=table, timeout=10)])
        assert outcomes[0].exit_code == 0
        assert plain.function_count("transpose_rows") == 0
        assert plain.function_count("print_table") == 1
        transposed, outcomes = session.profile([Case(args=("--transpose",), stdin=table)])
        assert outcomes[0].stdout.split() == [b"a", b"c", b"b", b"d"]
        assert transposed.function_count("transpose_rows") == 1
        uncovered = {f.name for f in plain.uncovered_functions(limit=100)}
        assert "transpose_rows" in uncovered
        assert plain.summary().line.covered < transposed.summary().line.covered


def test_greedy_takes_coverage_adding_cases_first_and_keeps_every_family() -> None:
    from mirror.strength.growth import greedy
    from oracle.case import Outcome
    from oracle.suite import SuiteCase

    def entry(family: str, word: str) -> SuiteCase:
        return SuiteCase(family, Case(args=(word,)), Outcome(b"", b"", 0), False)

    old = [entry("a", "1"), entry("a", "2"), entry("b", "3")]
    new = [entry("a", "4")]
    keys = {
        old[0].id: {("line", "f.c", "1")},
        old[1].id: {("line", "f.c", "1")},
        old[2].id: {("branch", "f.c", "1.0")},
        new[0].id: {("line", "f.c", "2"), ("line", "f.c", "3")},
    }
    chosen = greedy(old, new, keys, size=3)
    assert [e.id for e in chosen] == [old[0].id, old[2].id, new[0].id]
    # Nothing adds coverage any more: the budget is filled with the suite's own cases.
    assert [e.id for e in greedy(old, [], keys, size=3)] == [old[0].id, old[2].id, old[1].id]


def test_every_coverage_recipe_loads_or_says_in_one_line_why_not() -> None:
    """gron (Go 1.19) and hexyl (no LLVM profile path) name why they have no instrumented build."""
    from mirror.specs.targets import all_targets
    from mirror.strength.instrumented import CoverageUnsupportedError, load_recipe

    unsupported = {}
    for target in all_targets().values():
        if not (target.folder / "coverage.toml").exists():
            continue
        try:
            assert load_recipe(target).program
        except CoverageUnsupportedError as error:
            unsupported[target.name] = str(error)
    assert set(unsupported) >= {"gron", "hexyl"}
    assert "Go 1.20" in unsupported["gron"] and "1.19" in unsupported["gron"]
    assert all("\n" not in message for message in unsupported.values())
    assert unsupported["hexyl"].startswith("hexyl: no instrumented build: ")


@pytest.mark.docker
@pytest.mark.slow
def test_a_source_package_missing_from_apt_is_one_clear_error(tmp_path) -> None:
    """bitwise's source is not in this machine's apt sources: the fetch says so, by name."""
    from mirror.suites.upstream import SourceUnavailableError, source_version, upstream_files

    version = source_version("bitwise", "bitwise")
    with pytest.raises(SourceUnavailableError) as raised:
        upstream_files("bitwise", "bitwise", "bitwise", ("debian/changelog",), cache=tmp_path)
    message = str(raised.value)
    assert f"source package bitwise {version}: not in this machine's apt sources" in message
    assert "\n" not in message
