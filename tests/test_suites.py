"""Suites: the file format (on both sides), the split, the screens, the checks, and a real
build of ncal (BSD cal)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mirror.errors import UserError
from mirror.specs.generators import generators
from mirror.specs.targets import ROOT, all_targets, get_target
from mirror.suites import (
    BuildOptions,
    BuildReport,
    Suite,
    SuiteCase,
    SuiteError,
    build_suite,
    capture,
    case_id,
    classify,
    draw,
    family_problems,
    heldout_dir,
    input_of,
    load_suite,
    lookup_pass_rate,
    overlap_problems,
    read_suite,
    split,
    suite_problems,
    trivial,
    verify_suite,
    visible_path,
    write_suite,
)
from oracle import suite as oracle_suite
from oracle.case import Case, Outcome

OK = Outcome(b"ok\n", b"", 0)


def entry(family: str, *args: str, stdin: bytes = b"", gold: Outcome = OK) -> SuiteCase:
    return SuiteCase(family, Case(args=args, stdin=stdin), gold)


suite_cases = st.builds(
    SuiteCase,
    family=st.sampled_from(["a", "b", "c"]),
    case=st.builds(
        Case,
        args=st.lists(st.sampled_from(["-x", "1", "2", "é"]), max_size=3).map(tuple),
        stdin=st.sampled_from([b"", b"1\n", b"\xff\xfe"]),
    ),
    gold=st.sampled_from([OK, Outcome(b"", b"bad\n", 1), Outcome(b"\x80", b"", 0)])
    | st.builds(Outcome, st.binary(max_size=2), st.just(b""), st.integers(0, 2)),
    volatile=st.booleans(),
)


# --- the format ---------------------------------------------------------------------------------


@given(st.lists(suite_cases, unique_by=lambda e: e.id))
def test_suite_round_trip(entries: list[SuiteCase]) -> None:
    wrote = Outcome(b"", b"", 0, files={"out/x.bin": b"\x00\xff", "y": b"y"}, files_truncated=True)
    with_files = [
        *entries,
        SuiteCase("f", Case(files={"in/x.bin": b"\x00\xff"}), OK),
        SuiteCase("f", Case(args=("-o", "out")), wrote),
    ]
    with tempfile.TemporaryDirectory() as folder:
        write_suite(Path(folder) / "s.jsonl", with_files)
        again = read_suite(Path(folder) / "s.jsonl")
    assert {e.id: (e.family, e.case, e.gold.key(), e.volatile) for e in again} == {
        e.id: (e.family, e.case, e.gold.key(), e.volatile) for e in with_files
    }


def test_bytes_that_are_not_utf8_are_base64_and_text_stays_readable(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    write_suite(path, [entry("f", "é", stdin=b"\xff\x00", gold=Outcome(b"\x80", b"h\xc3\xa9", 2))])
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["case"] == {"args": ["é"], "stdin": {"base64": "/wA="}}
    assert record["gold"]["stdout"] == {"base64": "gA=="}
    assert record["gold"]["stderr"] == "hé"
    assert "duration" not in record["gold"]
    assert record["id"] == case_id(Case(args=("é",), stdin=b"\xff\x00"))
    [again] = read_suite(path)
    assert again.case.stdin == b"\xff\x00" and again.gold.stdout == b"\x80"


def test_case_id_is_pinned() -> None:
    # A change here re-keys every committed suite: bump FORMAT_VERSION and rebuild them.
    assert case_id(Case(args=("1", "2024"))) == "04bc6dec5dcb8a6f"


def _break(record: dict, where: str, value: object) -> dict:
    *path, last = where.split(".")
    target = record
    for key in path:
        target = target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return record


@pytest.mark.parametrize(
    ("where", "value", "field"),
    [
        ("gold", KeyError, "gold"),
        ("family", 3, "family"),
        ("family", "", "family"),
        ("volatile", "no", "volatile"),
        ("id", "0000000000000000", "id"),
        ("extra", 1, "extra"),
        ("case", [], "case"),
        ("case.args", "cal", "case.args"),
        ("case.stdin", {"base64": "!!"}, "case.stdin"),
        ("case.files", {"../x": ""}, "case.files"),
        ("case.timeout", -1, "case.timeout"),
        ("gold.stdout", 5, "gold.stdout"),
        ("gold.stderr", KeyError, "gold.stderr"),
        ("gold.exit_code", "0", "gold.exit_code"),
        ("gold.exit_code", True, "gold.exit_code"),
        ("gold.timed_out", "yes", "gold.timed_out"),
        ("gold.colour", "red", "gold.colour"),
        ("gold.files", [], "gold.files"),
        ("gold.files", {"/etc/x": ""}, "gold.files"),
        ("gold.files", {"x": 1}, "gold.files['x']"),
        ("gold.files_truncated", 1, "gold.files_truncated"),
    ],
)
def test_malformed_line_names_file_line_and_field(
    tmp_path: Path, where: str, value: object, field: str
) -> None:
    path = tmp_path / "s.jsonl"
    write_suite(path, [entry("f", "1"), entry("f", "2")])
    lines = path.read_text().splitlines()
    lines[1] = json.dumps(_break(json.loads(lines[1]), where, value))
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SuiteError) as error:
        read_suite(path)
    assert str(error.value).startswith(f"{path}:2: field '{field}'")


def test_line_that_is_not_json_or_repeats_an_id_is_named(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    write_suite(path, [entry("f", "1")])
    good = path.read_text()
    path.write_text(good + "{nope\n")
    with pytest.raises(SuiteError, match=rf"^{path}:2: not JSON"):
        read_suite(path)
    path.write_text(good + "\n" + good)
    with pytest.raises(SuiteError, match=rf"^{path}:3: field 'id': .* repeats line 1"):
        read_suite(path)


def test_committed_suites_read_and_write_back_byte_for_byte(tmp_path: Path) -> None:
    """The format is stable: every committed suite loads, and writing it back changes nothing."""
    for target in all_targets().values():
        for path in (visible_path(target), heldout_dir(target) / "cases.jsonl"):
            if path.exists():
                write_suite(tmp_path / "again.jsonl", read_suite(path))
                assert (tmp_path / "again.jsonl").read_bytes() == path.read_bytes(), path


def test_both_sides_read_lines_alike_and_a_bad_line_is_a_user_error(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    write_suite(path, [entry("f", "1", gold=Outcome(b"\xff", b"", None, signal=9))])
    assert oracle_suite.read_suite(path) == read_suite(path)
    path.write_text(path.read_text().replace('"family": "f"', '"family": ""'))
    with pytest.raises(oracle_suite.SuiteError) as on_the_agent_side:
        oracle_suite.read_suite(path)
    with pytest.raises(SuiteError) as on_the_host:
        read_suite(path)
    assert str(on_the_host.value) == str(on_the_agent_side.value)
    assert isinstance(on_the_host.value, UserError)


def test_oracle_test_names_a_bad_line_in_one_line_and_fails(tmp_path: Path) -> None:
    path = tmp_path / "visible.jsonl"
    write_suite(path, [entry("f", "1"), entry("f", "2")])
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace('"exit_code": 0', '"exit_code": "0"')
    path.write_text("\n".join(lines) + "\n")
    command = [sys.executable, "-m", "oracle.cli", "test", "--suite", str(path)]
    result = subprocess.run(
        [*command, "--program", "/bin/false"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode != 0 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert f"{path}:2: field 'gold.exit_code': expected an integer or null, got '0'" in line


def test_heldout_root_follows_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MIRROR_HELDOUT", str(tmp_path))
    assert heldout_dir(get_target("ncal")) == tmp_path / "ncal"
    with pytest.raises(SuiteError, match="mirror tests build ncal"):
        load_suite(get_target("ncal"), tmp_path / "none.jsonl")


# --- the split ----------------------------------------------------------------------------------


@given(st.lists(suite_cases, unique_by=lambda e: e.id), st.randoms())
def test_split_invariants(entries: list[SuiteCase], rng: random.Random) -> None:
    visible, heldout, dropped = split(entries)
    assert len(visible) + len(heldout) + sum(dropped.values()) == len(entries)
    assert not overlap_problems(visible, heldout)
    assert not family_problems(visible, heldout)
    assert lookup_pass_rate(visible, heldout, by_args=True) == 0.0
    # a family with two inputs, distinct non-empty outputs and arguments of its own is on both
    # sides
    for family in {e.family for e in entries}:
        members = [e for e in entries if e.family == family]
        elsewhere = {e.case.args for e in entries if e.family != family}
        if (
            len({input_of(e.case) for e in members}) >= 2
            and len({e.gold.key() for e in members}) == len(members)
            and not any(trivial(e.gold) for e in members)
            and not {e.case.args for e in members} & elsewhere
        ):
            assert not family_problems(visible, heldout, [family])
    # and the split does not depend on the order cases were drawn in
    shuffled = entries[:]
    rng.shuffle(shuffled)
    again = split(shuffled)
    assert {e.id for e in again[0]} == {e.id for e in visible}
    assert {e.id for e in again[1]} == {e.id for e in heldout}


def test_split_keeps_the_heldout_share_and_cases_with_equal_arguments_together() -> None:
    entries = [entry("f", str(n), stdin=bytes([s])) for n in range(200) for s in (1, 2)]
    visible, heldout, dropped = split(entries)
    assert not dropped
    assert 0.7 <= len(heldout) / len(entries) <= 0.8
    assert not {e.case.args for e in visible} & {e.case.args for e in heldout}


def test_split_of_a_family_with_one_argument_list_goes_by_whole_input() -> None:
    entries = [
        entry("stdin-only", stdin=b"%d" % n, gold=Outcome(b"%d" % n, b"", 0)) for n in range(40)
    ]
    visible, heldout, _ = split(entries)
    assert visible and heldout
    assert not {input_of(e.case) for e in visible} & {input_of(e.case) for e in heldout}


def test_split_drops_heldout_cases_an_argument_lookup_would_pass() -> None:
    # the same arguments in several families: the split cannot keep them all on one side
    families = "abcdefgh"
    same = [
        entry(f, "--version", stdin=f.encode(), gold=Outcome(b"1.0\n", b"", 0)) for f in families
    ]
    fillers = [
        entry(f, f"{f}{n}", gold=Outcome(b"%d" % n, b"", 0)) for f in families for n in range(3)
    ]
    visible, heldout, dropped = split(same + fillers)
    assert any(e.case.args == ("--version",) for e in visible)
    assert not any(e.case.args == ("--version",) for e in heldout)
    assert dropped["lookup_pass"] >= 1 and lookup_pass_rate(visible, heldout) == 0.0


# --- the screens --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcomes", "reason"),
    [
        ([Outcome(b"", b"", 0)] * 3, "dummy_pass"),
        ([Outcome(b"", b"", 1)] * 3, None),
        ([Outcome(b"\n", b"", 0)] * 3, None),
        ([Outcome(b"", b"x", 0)] * 3, None),
        ([OK, OK, Outcome(b"ok!\n", b"", 0)], "unstable"),
        ([OK, Outcome(b"", b"", None, timed_out=True), OK], "timeout"),
        ([Outcome(b"x" * 10, b"", 0, stdout_truncated=True)] * 3, "truncated"),
        ([Outcome(b"x" * 100, b"", 0)] * 3, "too_large"),
        ([OK, OK, Outcome(b"ok\n", b"", 0, duration=2.5)], "slow"),
    ],
)
def test_classify(outcomes: list[Outcome], reason: str | None) -> None:
    assert classify(outcomes, keep_volatile=False, max_output=64, timeout=10.0) == reason


def test_unstable_cases_can_be_kept_as_volatile_but_never_trivial_ones() -> None:
    changed = [OK, Outcome(b"no\n", b"", 0)]
    assert classify(changed, keep_volatile=True, max_output=64, timeout=10.0) is None
    empty = Outcome(b"", b"", 0)
    assert classify([empty, OK], keep_volatile=True, max_output=64, timeout=10.0) == "dummy_pass"


class _Clock:
    """A stand-in for the oracle that records when each run started and ended."""

    def __init__(self) -> None:
        self.runs: dict[tuple[str, ...], list[tuple[float, float]]] = {}

    def run(self, case: Case) -> Outcome:
        started = time.time()
        time.sleep(0.01)
        self.runs.setdefault(case.args, []).append((started, time.time()))
        return OK


def test_capture_reruns_each_case_in_a_later_wall_clock_second() -> None:
    clock = _Clock()
    cases = [Case(args=(str(n),)) for n in range(5)]
    outcomes = capture(clock, cases, runs=3, progress=False)  # type: ignore[arg-type]
    assert [len(runs) for runs in outcomes] == [3] * 5
    for case in cases:
        (_, first_end), (second_start, _), _ = clock.runs[case.args]
        assert int(second_start) > int(first_end)


def test_draws_are_deterministic_per_seed() -> None:
    strategy = generators("ncal")["month-year"]
    first = [case_id(c) for c in draw(strategy, 30, 7)]
    assert first == [case_id(c) for c in draw(strategy, 30, 7)]
    assert first != [case_id(c) for c in draw(strategy, 30, 8)]
    assert len(set(first)) > 20


# --- the checks ---------------------------------------------------------------------------------


def test_lookup_table_replays_visible_gold_by_input_then_by_arguments() -> None:
    visible = [entry("f", "x", stdin=b"1", gold=Outcome(b"A", b"", 0))]
    same_input = entry("f", "x", stdin=b"1", gold=Outcome(b"A", b"", 0))
    same_args = entry("f", "x", stdin=b"2", gold=Outcome(b"A", b"", 0))
    other_output = entry("f", "x", stdin=b"3", gold=Outcome(b"B", b"", 0))
    unknown = entry("f", "y", gold=Outcome(b"C", b"", 0))
    heldout = [same_input, same_args, other_output, unknown]
    assert lookup_pass_rate(visible, heldout, by_args=False) == 1 / 4
    assert lookup_pass_rate(visible, heldout, by_args=True) == 2 / 4


def test_suite_problems_catch_each_broken_rule() -> None:
    target = get_target("ncal")
    visible = [entry("a", str(n)) for n in range(5)]
    heldout = [
        entry("a", "0"),  # an input that is also visible, so a lookup passes it
        entry("b", "9"),  # a family with no visible case
        entry("a", "7", gold=Outcome(b"", b"", 0)),  # passed by the empty program
        entry("a", "8", gold=Outcome(b"8", b"", 0)),
    ]
    problems = suite_problems(Suite("ncal", visible, heldout, {}), target, ["a", "c"])
    text = "\n".join(problems)
    assert "family 'b' is held out but has no visible case" in text
    assert "family 'c' is only on: neither side" in text
    assert "has the input of visible" in text
    assert "passed by an empty program" in text
    assert "lookup table keyed on input passes 50.0%" in text  # the 0 and the empty one
    assert "5 visible cases, fewer than 100" in text
    assert "4 held-out cases, fewer than 300" in text
    assert not suite_problems(Suite("ncal", visible, heldout[3:], {}), target, ["a"], (5, 1))


def test_committed_suites_pass_their_checks() -> None:
    """Every suite in the repository holds the issue's rules (built ones only)."""
    for target in all_targets().values():
        if visible_path(target).exists():
            suite = load_suite(target)
            assert not suite_problems(suite, target, generators(target.name)), target.name


# --- a real build -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_cal_suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, BuildReport]]:
    folder = tmp_path_factory.mktemp("suites")
    committed = visible_path(get_target("ncal"))
    before = committed.read_bytes() if committed.exists() else None
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MIRROR_HELDOUT", str(folder / "heldout"))
        options = BuildOptions(
            visible_min=12, heldout_min=36, visible_path=folder / "visible.jsonl"
        )
        report = build_suite(get_target("ncal"), options, progress=False)
        yield folder, report
    assert (committed.read_bytes() if committed.exists() else None) == before


@pytest.mark.docker
def test_small_cal_suite_is_built_to_its_rules(small_cal_suite) -> None:
    folder, report = small_cal_suite
    assert report.problems == []
    assert report.visible >= 12 and report.heldout >= 36
    manifest = json.loads((folder / "heldout" / "ncal" / "manifest.json").read_text())
    assert manifest["reference"]["packages"] == {"ncal": manifest["reference"]["packages"]["ncal"]}
    assert len(manifest["reference"]["binary_sha256"]) == 64
    for family in generators("ncal"):
        assert manifest["counts"][family]["visible"] and manifest["counts"][family]["heldout"]
    assert sum(c["heldout"] for c in manifest["counts"].values()) == report.heldout
    visible = read_suite(folder / "visible.jsonl")
    heldout = read_suite(folder / "heldout" / "ncal" / "cases.jsonl")
    assert len(visible) == report.visible and len(heldout) == report.heldout


@pytest.mark.docker
def test_small_cal_suite_verifies_with_zero_drift(small_cal_suite, monkeypatch) -> None:
    folder, report = small_cal_suite
    monkeypatch.setenv("MIRROR_HELDOUT", str(folder / "heldout"))
    result = verify_suite(get_target("ncal"), folder / "visible.jsonl", progress=False)
    assert result.checked == report.visible + report.heldout
    assert result.drift == [] and result.volatile_changed == []
    assert result.reference_changes == {}
