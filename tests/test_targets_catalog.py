"""The target catalog: every spec loads, has seeds and generators, and its cases are valid."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings

from mirror.specs.generators import generators, generators_module, seed_cases
from mirror.specs.targets import SpecError, all_targets, get_target, load_target
from oracle.case import Case

CATALOG = [
    "bib2json",
    "bitwise",
    "brotlid",
    "cal",
    "colt",
    "cprepro",
    "gawk",
    "gron",
    "hexyl",
    "jq",
    "lua",
    "mailauth",
    "ncal",
    "numfmt",
    "ruff",
    "sed",
    "sqlite3",
    "texmacros",
    "uuidparse",
]
FAMILIES = [(name, family) for name in CATALOG for family in sorted(generators(name))]


def seeds_file(name: str) -> list[tuple[str, Case]]:
    """The hand-written seeds of a target, without the upstream importers (no Docker here)."""
    path = get_target(name).folder / "seeds.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [(record.pop("family"), Case.from_json(record)) for record in records]


def target_module(name: str) -> ModuleType:
    """A target's generators.py, for its helper functions."""
    return generators_module(name)


def test_every_catalog_target_loads() -> None:
    targets = all_targets()
    assert set(CATALOG) <= set(targets)
    for name in CATALOG:
        assert load_target(targets[name].folder / "target.toml") == targets[name]
    assert targets["brotlid"].command == "brotli"
    assert targets["colt"].build and targets["colt"].build.sources == ["colt.c", "colt.1"]


@pytest.mark.parametrize("name", CATALOG)
def test_every_target_has_seeds_and_generators(name: str) -> None:
    seeds = seeds_file(name)
    assert len(seeds) >= 50
    assert all(family.startswith("seed-") for family, _ in seeds)
    assert len({family for family, _ in seeds}) >= 3
    assert len({json.dumps(case.to_json(), sort_keys=True) for _, case in seeds}) == len(seeds)
    assert generators(name)


@pytest.mark.parametrize(("name", "family"), FAMILIES)
def test_strategies_produce_valid_cases(name: str, family: str) -> None:
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(generators(name)[family])
    def check(case: Case) -> None:
        assert isinstance(case, Case)
        assert all(isinstance(arg, str) and "\0" not in arg for arg in case.args)
        assert len(case.stdin) + sum(map(len, case.files.values())) < 1 << 20
        assert Case.from_json(json.loads(json.dumps(case.to_json()))) == case

    check()


def test_ncal_seeds_never_depend_on_the_clock() -> None:
    """Without a year or -d, BSD cal shows the current month: only usage errors may do that."""
    for _, case in seeds_file("ncal"):
        pinned = "-d" in case.args or any(arg.isdigit() for arg in case.args)
        usage_error = {"-x", "-m", "-b", "-p", "--help"} & set(case.args)
        assert pinned or usage_error, case.args


GOOD_BUILD = """
name = "demo"
description = "A demo."
command = "demo"
binary = "/usr/local/bin/demo"
bucket = "S"
category = "text"
languages = ["c"]
[packages]
debian = ["libc6"]
[build]
packages = ["gcc"]
sources = ["demo.c"]
script = "gcc -o /usr/local/bin/demo demo.c"
"""


def write_target(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "demo.c").write_text("int main(void) { return 0; }\n")
    (folder / "target.toml").write_text(text)
    return folder / "target.toml"


def test_build_table_loads_and_its_sources_key_the_image(tmp_path: Path) -> None:
    path = write_target(tmp_path, GOOD_BUILD)
    target = load_target(path)
    assert target.build and target.build.packages == ["gcc"]
    (path.parent / "demo.c").write_text("int main(void) { return 1; }\n")
    assert load_target(path).spec_digest != target.spec_digest


@pytest.mark.parametrize(
    ("change", "field", "hint"),
    [
        (('script = "gcc -o /usr/local/bin/demo demo.c"\n', ""), "build.script", "required"),
        (('"gcc -o /usr/local/bin/demo demo.c"', '""'), "build.script", "at least 1"),
        (('packages = ["gcc"]', 'packages = ["Not A Package"]'), "build.packages.0", "pattern"),
        (('sources = ["demo.c"]', 'sources = ["../demo.c"]'), "build.sources.0", "inside"),
        (('sources = ["demo.c"]', 'sources = ["/etc/passwd"]'), "build.sources.0", "inside"),
        (('sources = ["demo.c"]', 'sources = ["missing.c"]'), "build.sources", "not found"),
        (('packages = ["gcc"]', 'packages = ["gcc"]\nflags = "-O2"'), "build.flags", "permitted"),
        (('script = "gcc -o /usr/local/bin/demo demo.c"', "script = 3"), "build.script", "string"),
    ],
)
def test_malformed_build_table_names_file_field_and_fix(
    tmp_path: Path, change: tuple[str, str], field: str, hint: str
) -> None:
    path = write_target(tmp_path, GOOD_BUILD.replace(*change))
    with pytest.raises(SpecError) as error:
        load_target(path)
    message = str(error.value)
    assert str(path) in message and f"field '{field}'" in message and hint in message


JQ_TESTS = """# comment

.a
{"a": 1}
1

%%FAIL
{(0):1}
jq: error: Cannot use number (0) as object key at <top-level>, line 1:

[.[]|tostring]
[1, "x"]
["1","x"]
"""


def test_jq_test_format_gives_program_and_input() -> None:
    cases = target_module("jq").parse_jq_tests(JQ_TESTS)
    assert [case.args for case in cases] == [
        ("-c", ".a"),
        ("-c", "{(0):1}"),
        ("-c", "[.[]|tostring]"),
    ]
    assert [case.stdin for case in cases] == [b'{"a": 1}\n', b"", b'[1, "x"]\n']


def test_sed_testsuite_lines_become_self_contained_cases() -> None:
    sed = target_module("sed")
    misc = sed._misc_case(["recall", "-f", {"IN": "p;s/e/X/p"}, {"IN": "eeefff\n"}, {"OUT": "x"}])
    assert misc == Case(
        args=("-f", "recall.1", "recall.2"),
        files={"recall.1": b"p;s/e/X/p", "recall.2": b"eeefff\n"},
    )
    assert sed._misc_case(["env", "$prog", {"IN": "x"}]) is None
    script = """
printf '%s\\n' a b > in1 || framework_failure_
cat <<\\EOF > prog || framework_failure_
s/a/A/
EOF
sed -f prog in1 > out || fail=1
returns_ 1 sed 's/./x/pp' </dev/null 2>err || fail=1
sed -n "$x" in1 > out2 || fail=1
sed p unknown-file > out3 || fail=1
"""
    cases = sed._shell_cases(script, {})
    assert cases == [
        Case(args=("-f", "prog", "in1"), files={"prog": b"s/a/A/\n", "in1": b"a\nb\n"}),
        Case(args=("s/./x/pp",)),
    ]


@pytest.mark.docker
def test_the_original_target_answers_its_documented_example(box_factory) -> None:
    examples = [case for family, case in seeds_file("colt") if family == "seed-examples"]
    example = next(case for case in examples if case.args == ("-H", "-n"))
    outcome = box_factory("colt").client().run(example)
    assert outcome.exit_code == 0 and outcome.stderr == b""
    assert outcome.stdout == b"name  qty\n----  ---\npear   12\nfig   3.5\n"


@pytest.mark.docker
@pytest.mark.parametrize(("name", "least"), [("jq", 300), ("sed", 150)])
def test_upstream_importers_find_the_suites(name: str, least: int) -> None:
    cases = seed_cases(name)["upstream"]
    assert len(cases) >= least
    assert len({json.dumps(case.to_json(), sort_keys=True) for case in cases}) == len(cases)


def test_every_jq_builtin_template_fills_in() -> None:
    """Rarely drawn templates must not break generation (one with bare braces once did)."""
    module = target_module("jq")
    templates = [
        template
        for value in vars(module).values()
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value)
        for template in value
    ]
    assert len(templates) > 20
    filled = [template.format(s='"x"', n=1, r='"y"') for template in templates]
    assert not [text for text in filled if "{s}" in text or "{n}" in text or "{r}" in text]
