"""The ruff target: `ruff check` from a pinned PyPI wheel, its cases never let ruff write a cache
into the case folder, its suites record the files --fix writes, and the reference box runs the
wheel's binary with the manifest naming what pip installed."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from mirror.specs.generators import any_case
from mirror.specs.targets import Language, get_target
from mirror.suites.format import read_suite
from mirror.suites.store import visible_path
from oracle.case import Case

MODULE = b"import sys\nimport os\n\n\ndef f(x):\n    if x == None:\n        return f'{x}'\n"


def no_cache(case: Case) -> bool:
    return "--no-cache" in case.args or "-n" in case.args or "RUFF_NO_CACHE" in case.env


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(any_case("ruff"))
def test_generated_cases_never_let_ruff_write_its_cache(case: Case) -> None:
    assert case.args[0] == "check" and no_cache(case)
    assert not any(arg.startswith("--cache-dir") for arg in case.args)
    assert all(name.endswith((".py", ".toml", ".txt")) for name in case.files)


def test_the_spec_pins_the_wheel_and_leaves_out_rust() -> None:
    target = get_target("ruff")
    assert target.packages.pypi == ["ruff==0.17.6"] and target.binary == "/usr/local/bin/ruff"
    assert Language.rust not in target.languages and target.heldout_min >= 1000
    assert not target.rivals  # flake8 and pyflakes print other messages in other formats


def test_the_suites_hold_fixed_files_and_no_cache() -> None:
    entries = read_suite(visible_path(get_target("ruff")))
    written = [e for e in entries if e.gold.files]
    assert written and all(
        {"--fix", "--fix-only", "--add-noqa", "-o", "--output-file"} & set(e.case.args)
        or any("fix = true" in text.decode() for text in e.case.files.values())
        or "@args.txt" in e.case.args
        for e in written
    )
    assert not any(".ruff_cache" in name for e in entries for name in e.gold.files)
    assert all(no_cache(e.case) or e.case.args[0] != "check" for e in entries)


@pytest.mark.docker
@pytest.mark.slow
def test_fix_writes_the_file_and_the_manifest_names_the_wheel(box_factory) -> None:
    box = box_factory("ruff")
    assert box.image.manifest["registries"] == {"pypi": ["ruff==0.17.6"]}
    case = Case(
        args=("check", "--no-cache", "--select", "F401,I", "--fix", "a.py"),
        files={"a.py": MODULE},
        timeout=20,
    )
    outcome = box.client().run(case)
    assert outcome.files == {"a.py": b"\n\ndef f(x):\n    if x == None:\n        return f'{x}'\n"}
    assert (outcome.exit_code, outcome.stdout) == (0, b"Found 2 errors (2 fixed, 0 remaining).\n")
    report = box.client().run(
        Case(
            args=("check", "--no-cache", "--output-format", "json", "--select", "E711", "a.py"),
            files={"a.py": MODULE},
            timeout=20,
        )
    )
    [diagnostic] = json.loads(report.stdout)
    assert diagnostic["filename"] == "/case/a.py" and diagnostic["code"] == "E711"
