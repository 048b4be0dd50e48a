"""The cal target (util-linux's cal, built from Debian's source package): its cases never take
the date from the clock, util-linux's own tests are imported, and the reference box runs the
util-linux program, not BSD's."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from mirror.specs.generators import any_case, generators_module
from mirror.specs.targets import get_target
from oracle.case import Case

MODULE = generators_module("cal")
depends_on_today = MODULE.depends_on_today
SEEDS = get_target("cal").folder / "seeds.jsonl"

# A script in the shape of util-linux's tests/ts/cal ones (variables, helper functions, a loop).
SCRIPT = """
export TERM=linux
MYTIME="27 09 2006"
WEEK="--week=40"
function call_cal {
	$TS_CMD_CAL "$@" >> $TS_OUTPUT
}
call_cal "Gregorian - Monday-based week" -1m $MYTIME
call_cal "Julian - Monday-based week" -3mj $MYTIMET
call_cal "Normal span" "-Sn 3" $MYTIME
call_cal_color "week, 3 month" -3m $WEEK 7 10 2013
$TS_CMD_CAL --color=always 2 9 1752 >> $TS_OUTPUT
"""


def test_the_spec_builds_util_linux_cal_from_its_source_package() -> None:
    target = get_target("cal")
    assert (target.command, target.binary, target.bucket) == ("cal", "/usr/bin/cal", "M")
    assert target.heldout_min >= 1000 and "util-linux" in target.packages.debian
    assert target.rivals == []  # BSD cal and busybox pass no case: see the spec
    assert target.build is not None
    script = target.build.script
    assert "apt-get source" in script and "Types: deb-src" in script
    assert "://" not in script  # deb-src entries come from the image's own apt sources
    assert set(target.locales) <= {"en_US.UTF-8", "de_DE.UTF-8", "fr_FR.UTF-8"}


@pytest.mark.parametrize(
    ("args", "depends"),
    [
        (("2024",), False),  # a whole year
        (("-y", "-j", "2024"), False),
        (("3", "2024"), False),
        (("-3", "15", "3", "2024"), False),
        (("2024-03-15",), False),  # a timestamp is "today"
        (("-n", "5", "@1700000000"), False),
        (("--week=40", "-3", "2013"), False),  # the month holding week 40
        ((), True),  # this month
        (("-j",), True),
        (("march",), True),  # March of this year
        (("-3", "2024"), True),  # the months around this month of 2024
        (("-Sn", "5", "2024"), True),
        (("-1m", "2024"), True),
        (("--color=always", "2024"), True),  # today highlighted in this year
        (("--color=always", "--week=3", "2026"), True),
    ],
)
def test_depends_on_today_knows_when_cal_reads_the_clock(args, depends) -> None:
    assert depends_on_today(args) is depends


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(any_case("cal"))
def test_generated_cases_never_take_the_date_from_the_clock(case: Case) -> None:
    assert not depends_on_today(case.args), case.args


def test_seeds_pin_the_date_or_only_ask_for_help() -> None:
    records = [json.loads(line) for line in SEEDS.read_text(encoding="utf-8").splitlines()]
    assert len({record["family"] for record in records}) >= 6
    for record in records:
        pinned = not depends_on_today(tuple(record["args"]))
        assert record["family"] == "seed-help" or pinned, record


def test_upstream_scripts_become_pinned_cases() -> None:
    cases = MODULE.upstream_script_cases(SCRIPT)
    assert [case.args for case in cases] == [
        ("-1m", "27", "09", "2006"),
        ("-Sn", "3", "27", "09", "2006"),
        ("-3m", "--week=40", "7", "10", "2013", "--color=always"),
        ("--color=always", "2", "9", "1752"),
    ]
    assert all(case.env == {"TERM": "linux"} for case in cases)  # $MYTIMET is unset: dropped


@pytest.mark.docker
def test_the_reference_box_runs_util_linux_cal(box_factory) -> None:
    """September 1752 loses eleven days; --color=always highlights the given day (TERM=linux
    from the upstream tests); -V names util-linux, not BSD's cal."""
    client = box_factory("cal").client()
    september = client.run(Case(args=("9", "1752"), timeout=10))
    assert september.exit_code == 0 and september.stderr == b""
    assert september.stdout.splitlines()[2].split() == [b"1", b"2", b"14", b"15", b"16"]
    coloured = client.run(Case(args=("--color=always", "25", "11", "2020"), env={"TERM": "linux"}))
    assert b"\x1b[" in coloured.stdout and b"25" in coloured.stdout
    version = client.run(Case(args=("-V",), timeout=10))
    assert version.stdout.startswith(b"cal from util-linux 2.38.1")


@pytest.mark.docker
@pytest.mark.slow
def test_util_linux_own_tests_are_imported_from_its_source_package() -> None:
    """tests/ts/cal of the util-linux source at the installed version: every script gives
    cases, and only those whose date the scripts pin by arguments are kept."""
    cases = MODULE.upstream_cases()
    assert len(cases) >= 150
    assert ("-1m", "27", "09", "2006") in {case.args for case in cases}  # tests/ts/cal/month
    assert ("-3mjw", "1", "2012") in {case.args for case in cases}  # weeknum's loop
    assert not any(depends_on_today(case.args) for case in cases)
