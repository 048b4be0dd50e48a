"""Target specs: the real ones load, malformed ones say file, field and fix; the harness's
facts about single targets (rivals, locales, demo, bench roles) come from them."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest
from hypothesis import strategies as st

from mirror.boxes.agent_image import agent_locales
from mirror.errors import UserError
from mirror.scoring.calibration import calibrate
from mirror.scoring.candidates import CANDIDATES, candidate, candidates_for, find_candidate
from mirror.specs.generators import generator, generators
from mirror.specs.targets import SpecError, all_targets, bench_target, load_target

GOOD = """
name = "demo"
description = "A demo."
command = "demo"
binary = "/usr/bin/demo"
bucket = "S"
category = "text"
languages = ["python", "c"]
[packages]
debian = ["demo"]
"""


def write_spec(tmp_path: Path, text: str, folder: str = "demo") -> Path:
    path = tmp_path / folder / "target.toml"
    path.parent.mkdir()
    path.write_text(text)
    return path


def test_first_targets_load() -> None:
    targets = all_targets()
    assert {"ncal", "numfmt", "jq"} <= set(targets)
    assert targets["ncal"].command == "cal" and targets["jq"].binary == "/usr/bin/jq"


def test_good_spec(tmp_path: Path) -> None:
    target = load_target(write_spec(tmp_path, GOOD))
    assert target.bucket.value == "S" and target.packages.debian == ["demo"]


@pytest.mark.parametrize(
    ("change", "field", "hint"),
    [
        (('bucket = "S"', 'bucket = "XL"'), "bucket", "'S', 'M' or 'L'"),
        (('binary = "/usr/bin/demo"', 'binary = "usr/bin/demo"'), "binary", "pattern"),
        (('languages = ["python", "c"]', 'languages = ["cobol"]'), "languages.0", "python"),
        (('debian = ["demo"]', "debian = []"), "packages.debian", "at least 1"),
        (('category = "text"', 'category = "text"\ncolour = "red"'), "colour", "not permitted"),
        (('command = "demo"\n', ""), "command", "required"),
    ],
)
def test_malformed_spec_names_file_field_and_fix(
    tmp_path: Path, change: tuple[str, str], field: str, hint: str
) -> None:
    path = write_spec(tmp_path, GOOD.replace(*change))
    with pytest.raises(SpecError) as error:
        load_target(path)
    message = str(error.value)
    assert str(path) in message and f"field '{field}'" in message and hint in message


def test_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="not valid TOML"):
        load_target(write_spec(tmp_path, "name = "))


def test_name_must_match_folder(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="folder name 'other'"):
        load_target(write_spec(tmp_path, GOOD, folder="other"))


def test_heldout_minimum_defaults_and_is_set_per_target(tmp_path: Path) -> None:
    assert load_target(write_spec(tmp_path, GOOD)).heldout_min == 300
    targets = all_targets()
    assert targets["jq"].heldout_min == targets["sed"].heldout_min == 1000
    (tmp_path / "zero").mkdir()
    path = write_spec(tmp_path / "zero", GOOD.replace("[packages]", "heldout_min = 0\n[packages]"))
    with pytest.raises(SpecError, match="field 'heldout_min': Input should be greater"):
        load_target(path)


def test_only_fields_that_shape_the_image_change_its_digest(tmp_path: Path) -> None:
    path = write_spec(tmp_path, GOOD)
    digest = load_target(path).spec_digest
    harness_only = GOOD.replace("A demo.", "Another.").replace("[pack", "heldout_min = 9\n[pack")
    path.write_text("# a comment\n" + harness_only)
    assert load_target(path).spec_digest == digest
    path.write_text(GOOD.replace('debian = ["demo"]', 'debian = ["demo", "extra"]'))
    assert load_target(path).spec_digest != digest


RIVAL = """
[[rivals]]
name = "other"
packages = ["other-demo"]
program = "/usr/bin/other"
"""


@pytest.mark.parametrize(
    ("text", "field", "hint"),
    [
        (RIVAL + RIVAL, "rivals", "rename other"),
        (RIVAL.replace('"other-demo"', '"Other Demo"'), "rivals.0.packages.0", "pattern"),
        (RIVAL.replace('program = "/usr/bin/other"\n', ""), "rivals.0.program", "required"),
        (RIVAL.replace("program", "binary"), "rivals.0.binary", "not permitted"),
        ('[bench]\noracle = ["1"]\nscoring = "yes"\n', "bench.scoring", "boolean"),
        ("[bench]\noracle = []\n", "bench.oracle", "at least 1"),
    ],
)
def test_malformed_rivals_and_bench_name_file_field_and_fix(
    tmp_path: Path, text: str, field: str, hint: str
) -> None:
    path = write_spec(tmp_path, GOOD + text)
    with pytest.raises(SpecError) as error:
        load_target(path)
    message = str(error.value)
    assert str(path) in message and f"field '{field}'" in message and hint in message


def test_malformed_locale_names_the_field(tmp_path: Path) -> None:
    path = write_spec(tmp_path, GOOD.replace("[packages]", 'locales = ["german"]\n[packages]'))
    with pytest.raises(SpecError, match=r"field 'locales.0': String should match pattern"):
        load_target(path)


def test_harness_facts_come_from_the_specs() -> None:
    targets = all_targets()
    assert {name for name, target in targets.items() if target.demo} == {
        "ncal",
        "numfmt",
        "jq",
        "sed",
    }
    assert [rival.name for rival in targets["jq"].rivals] == ["gojq"]
    assert "de_DE.UTF-8" in targets["numfmt"].locales
    assert bench_target("oracle").bench.oracle == ["1", "2024"]
    assert bench_target("scoring").name == "jq"


def test_the_agent_image_has_every_locale_a_target_sets() -> None:
    wanted = {name for target in all_targets().values() for name in target.locales}
    assert wanted and set(agent_locales()) == wanted
    assert len(agent_locales()) == len(wanted)


def test_a_bench_role_must_belong_to_exactly_one_target(tmp_path: Path) -> None:
    for folder in ("one", "two"):
        spec = GOOD.replace('"demo"', f'"{folder}"', 1) + '[bench]\noracle = ["1"]\n'
        write_spec(tmp_path, spec, folder=folder)
    with pytest.raises(SpecError, match=r"field 'bench.oracle'.*one/target.toml.*two/target"):
        bench_target("oracle", tmp_path)
    with pytest.raises(SpecError, match=r"field 'bench.scoring'.*set in: none"):
        bench_target("scoring", tmp_path)


def test_calibration_candidates_are_the_baselines_and_the_spec_rivals() -> None:
    targets = all_targets()
    names = [found.name for found in candidates_for(targets["jq"])]
    assert names == [*CANDIDATES, "gojq"]
    assert [found.name for found in candidates_for(targets["gron"])] == list(CANDIDATES)
    gojq = find_candidate("gojq", targets["jq"])
    assert gojq.expect == "between" and '"/usr/bin/gojq"' in gojq.recipe
    with pytest.raises(SpecError, match=r"no calibration candidate 'gojq' for sed \(known: "):
        find_candidate("gojq", targets["sed"])


def test_a_rival_may_not_take_a_baseline_name(tmp_path: Path) -> None:
    target = load_target(write_spec(tmp_path, GOOD + RIVAL.replace('"other"', '"lookup"')))
    with pytest.raises(SpecError, match=r"target.toml: field 'rivals': 'lookup' is a baseline"):
        candidates_for(target)


def test_registries_refuse_a_duplicate_name() -> None:
    with pytest.raises(ValueError, match="'empty' is registered twice"):
        candidate("empty", expect="0")(lambda target, workspace: None)
    family = next(iter(generators("ncal")))
    with pytest.raises(SpecError, match=f"family '{family}' is registered twice"):
        generator("ncal", family)(lambda: st.nothing())


def test_calibrate_refuses_an_unknown_candidate_before_running_any(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"no calibration candidate 'nosuch' for ncal \(known: "):
        calibrate([all_targets()["ncal"]], tmp_path / "results", tmp_path, {"nosuch", "empty"})
    assert not (tmp_path / "results").exists()


MIRROR = Path(__file__).resolve().parents[1] / "mirror"
# Files still being cleaned by other work on issue 9; each passes as soon as it is clean.
# Names used as the system tool they are, not as a fact about a target.
TOOL_USES = {"suites/upstream.py": {"sed"}}  # the source-package script edits apt sources


def target_names_in(path: Path, names: set[str]) -> list[str]:
    """Where a target's name appears in code: as an identifier, or as a word of a string
    literal. Comments, docstrings and comment lines of scripts held in strings are skipped."""
    source = path.read_text(encoding="utf-8")
    docstrings = {
        (node.lineno, node.col_offset)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }
    alternatives = "|".join(map(re.escape, sorted(names)))
    word = re.compile(rf"(?<![\w.-])({alternatives})(?![\w-]|\.\w)")
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME and token.string in names:
            found.append(f"{path}:{token.start[0]}: {token.string}")
        elif token.type == tokenize.STRING and token.start not in docstrings:
            for number, line in enumerate(token.string.splitlines(), start=token.start[0]):
                if not line.lstrip().startswith("#"):
                    found += [f"{path}:{number}: {match}" for match in word.findall(line)]
    return found


def test_the_name_scan_finds_identifiers_and_string_words_only(tmp_path: Path) -> None:
    path = tmp_path / "sample.py"
    path.write_text(
        '"""Module docstring: jq."""\n'
        "# a comment: jq\n"
        "def f(jq):\n"
        '    """Docstring: sed."""\n'
        '    x = ["cal", "sed -n p", "used", "jq.py", "ajq", "mirror/ref-cal"]\n'
        '    script = """\n    # sed in a script comment\n    jq .\n    """\n'
    )
    assert target_names_in(path, {"jq", "sed", "cal"}) == [
        f"{path}:3: jq",
        f"{path}:5: cal",
        f"{path}:5: sed",
        f"{path}:8: jq",
    ]


@pytest.mark.parametrize(
    "module", [path.relative_to(MIRROR).as_posix() for path in sorted(MIRROR.rglob("*.py"))]
)
def test_no_target_name_in_mirror_code(module: str) -> None:
    """Facts about a target live in targets/<name>/, not in the harness's code."""
    names = set(all_targets()) - TOOL_USES.get(module, set())
    assert target_names_in(MIRROR / module, names) == []
