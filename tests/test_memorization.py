"""The memorization screen without Docker: similarity, extraction from colt's source, the band,
baseline sources from PyPI and npm, and the Inspect task on colt with scripted mockllm answers."""

from __future__ import annotations

import hashlib
import json
import math
import statistics
from pathlib import Path

import pytest
from click.testing import CliRunner
from scipy.stats import t as student_t

from mirror.cli.main import main
from mirror.memorization.baseline import (
    BaselineProgram,
    baseline_programs,
    eligible,
    mean_interval,
)
from mirror.memorization.extract import functions, sample
from mirror.memorization.screen import DEFAULT_CUTOFF, read_records, screen_records
from mirror.memorization.similarity import answer_body, chance_levels, normalise, similarity
from mirror.memorization.sources import load_source_spec, own_files, target_source
from mirror.specs.targets import all_targets, get_target

BODY = """{
    /* count the bytes */
    size_t n = 0;   // none yet
    while (s[n] != '\\0')
        n++;
    return n;
}"""


def test_similarity_ignores_comments_and_layout_but_not_code() -> None:
    relaid = "{ size_t n = 0; while (s[n] != '\\0') n++;\n return n; }"
    assert similarity(relaid, BODY, "c").indel == 1.0
    assert similarity(relaid, BODY, "c").token == 1.0
    changed = similarity(relaid.replace("n++", "n += 2"), BODY, "c")
    assert 0.8 < changed.indel < 1.0 and 0.7 < changed.token < 1.0
    unrelated = similarity('{ return fopen(path, "rb") == NULL ? -1 : 0; }', BODY, "c")
    assert unrelated.indel < 0.5 and unrelated.token < 0.5
    # A comment marker inside a string is code, not a comment.
    assert normalise('{ puts("// not a comment"); }', "c") == '{ puts("// not a comment"); }'
    assert normalise("x = 1  # set\ny = '#'", "python") == "x = 1 y = '#'"


def test_chance_level_removes_the_floor_a_language_gives_any_answer() -> None:
    truths = [BODY, "{\n    if (n < 0)\n        return -1;\n    return n * 2;\n}", "{ exit(1); }"]
    constant = ["{ int i = 0; return i; }"] * 3
    raw = [similarity(a, t, "c").indel for a, t in zip(constant, truths, strict=True)]
    levels = chance_levels(constant, truths, "c")
    assert min(raw) > 0.2  # C against C: a floor well above zero
    assert sum(r - c for r, c in zip(raw, levels, strict=True)) == pytest.approx(0.0, abs=1e-6)
    recited = chance_levels(truths, truths, "c")
    assert all(level < 1.0 for level in recited)  # reciting scores 1.0, well above its chance


def test_answer_body_takes_the_fenced_code_and_drops_a_repeated_signature() -> None:
    answer = f"Here it is:\n```c\nsize_t\nlength(const char *s)\n{BODY}\n```\nDone."
    assert answer_body(answer, "size_t\nlength(const char *s)", "c") == BODY
    assert answer_body(BODY, "size_t length(const char *s)", "c") == BODY


def test_colt_functions_are_its_own_and_match_the_file_byte_for_byte() -> None:
    target = get_target("colt")
    source = target_source(target)
    assert source.manifest.origin == "repository" and set(source.files) == {"colt.c"}
    content = (target.folder / "colt.c").read_bytes()
    assert source.manifest.sha256["colt.c"] == hashlib.sha256(content).hexdigest()
    found = functions(source)
    names = {function.name for function in found}
    assert {"parse_columns", "read_input", "print_table", "split_line"} <= names
    for function in found:
        assert content[function.start : function.end] == function.body.encode()
        assert function.body.startswith("{") and function.body.endswith("}")
        assert content.decode().splitlines()[function.line - 1] in function.signature
        assert function.name in function.signature
    drawn = sample(found, 8, seed=1)
    assert drawn == sample(found, 8, seed=1) and len(drawn) == 8
    assert drawn != sample(found, 8, seed=2)
    assert sample(found, 100, seed=1) == found  # fewer than K: every one


def test_own_files_leave_out_tests_vendored_and_excluded_files() -> None:
    files = {
        name: b"" for name in ("src/a.c", "src/a_test.c", "src/gen.c", "src/vendor/x.c", "lib/b.c")
    }
    assert list(own_files(files, ["src/*.c"], ["src/gen.c"])) == ["src/a.c"]


def _target_families() -> set[str]:
    return {load_source_spec(target).language for target in all_targets().values()}


@pytest.mark.parametrize("family", ["c", "rust", "go", "python", "javascript"])
def test_baseline_has_five_programs_per_language_family_at_the_default_cutoff(
    family: str,
) -> None:
    # The families the targets use are checked below: this test reads the baseline list only.
    later = eligible(baseline_programs(), DEFAULT_CUTOFF)
    assert sum(p.language == family for p in later) >= 5


def test_every_language_family_the_targets_use_has_five_baseline_programs() -> None:
    later = eligible(baseline_programs(), DEFAULT_CUTOFF)
    for family in _target_families():
        assert sum(p.language == family for p in later) >= 5, family


def test_baseline_list_is_dated_and_the_cutoff_selects_later_programs() -> None:
    programs = baseline_programs()
    assert len(eligible(programs, "2025-06")) == len(programs)
    later = eligible(programs, "2026-04")
    assert later and all(p.first_release > "2026-04" for p in later)
    assert {p.name for p in later} < {p.name for p in programs}


def test_band_and_flags_from_scored_samples() -> None:
    manifests = {
        name: {"origin": origin}
        for name, origin in (("t1", "debian"), ("t2", "debian"), ("orig", "repository"))
    }
    baseline = {"b1": [0.30, 0.34], "b2": [0.22, 0.26], "b3": [0.28, 0.32]}
    scored = [
        {"kind": "baseline", "program": p, "indel": v, "token": v, "chance": 0.0}
        for p, values in baseline.items()
        for v in values
    ]
    scored += [
        {"kind": "target", "program": "orig", "indel": v, "token": v, "chance": 0.0}
        for v in (0.2, 0.3)
    ]
    scored += [
        {"kind": "target", "program": "t1", "indel": v, "token": v, "chance": 0.0}
        for v in (0.9, 0.95)
    ]
    scored += [
        {"kind": "target", "program": "t2", "indel": v, "token": v, "chance": 0.0}
        for v in (0.1, 0.9)
    ]
    records = {r.target: r for r in screen_records(scored, "m", "log", "2025-12", 0, manifests)}
    means = [0.32, 0.24, 0.30, 0.25]  # b1, b2, b3 and the original target
    half = student_t.ppf(0.975, 3) * statistics.stdev(means) / 2
    assert records["t1"].band.mean == pytest.approx(sum(means) / 4)
    assert records["t1"].band.upper == pytest.approx(sum(means) / 4 + half)
    assert records["t1"].memorized and not records["orig"].memorized
    assert records["orig"].original
    # t2's mean (0.5) is above the band, but its interval over two spread functions is not.
    assert records["t2"].similarity > records["t2"].band.upper and not records["t2"].memorized
    assert math.isnan(mean_interval([0.5]).low)  # one value: no interval
    assert math.isnan(mean_interval([]).mean)


def test_baseline_sources_come_from_the_registries_with_a_manifest() -> None:
    python = next(p for p in baseline_programs() if p.registry == "pypi")
    javascript = next(p for p in baseline_programs() if p.registry == "npm")
    for program in (python, javascript):
        source = program.source()
        assert source.manifest.origin == program.registry
        assert source.manifest.version == program.version and source.manifest.exact
        [(archive, digest)] = source.manifest.sha256.items()
        assert program.version in archive and len(digest) == 64
        assert source.files and functions(source)


@pytest.mark.parametrize(
    ("name", "own", "expected"),
    [
        ("splats4d", "src/", {"write_stream", "read_stream"}),
        ("sorteddict", "src/", {"rb_insert", "rb_delete_fixup"}),
        # ogopego asks Python >= 3.12 and its hatchling hook downloads Go: fetched all the same.
        ("ogopego", "", {"CompileGrammar", "parseCLI", "PyCompile"}),
    ],
)
def test_rust_c_and_go_baselines_extract_their_own_functions_from_the_sdist(
    name: str, own: str, expected: set[str]
) -> None:
    program = next(p for p in baseline_programs() if p.name == name)
    assert program.sdist and program.registry == "pypi"
    source = program.source()
    [(archive, digest)] = source.manifest.sha256.items()
    assert archive == f"{name}-{program.version}.tar.gz" and len(digest) == 64
    found = functions(source)
    assert len(found) >= 10 and expected <= {f.name for f in found}
    # splats4d's files hold #[test] functions in #[cfg(test)] modules: never sampled.
    assert not any("roundtrip" in f.name for f in found)
    suffix = {"rust": ".rs", "c": ".c", "go": ".go"}[program.language]
    assert not any(f.path.startswith("test/") or f.path.endswith("_test.go") for f in found)
    for function in found:
        assert function.path.startswith(own) and function.path.endswith(suffix)
        content = source.files[function.path]
        assert content[function.start : function.end] == function.body.encode()
        assert function.body.startswith("{") and function.body.endswith("}")
        assert function.name in function.signature


def _screen(tmp_path: Path, script: str) -> dict[str, object]:
    result = CliRunner().invoke(
        main,
        [
            "memorize",
            "--model",
            "mockllm/model",
            "--targets",
            "colt",
            "--functions",
            "6",
            "--cutoff",
            "2026-06",
            "--script",
            script,
            "--results",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    [record] = read_records(tmp_path)
    return json.loads(record.model_dump_json())


def test_memorize_colt_with_scripted_mockllm(tmp_path: Path) -> None:
    unrelated = _screen(tmp_path / "unrelated", "unrelated")
    reciter = _screen(tmp_path / "memorizer", "memorizer")
    assert unrelated["functions"] == reciter["functions"] == 6
    assert reciter["similarity"] == 1.0 and reciter["token_similarity"] == 1.0
    assert reciter["excess"] == pytest.approx(1.0 - reciter["chance"]) and reciter["excess"] > 0.4
    assert unrelated["similarity"] < 0.5
    assert unrelated["excess"] == pytest.approx(0.0, abs=1e-6)  # one answer for every prompt
    # colt is an original target: part of the band, never flagged, even when recited.
    assert reciter["original"] and not reciter["memorized"]
    programs = [p for p in baseline_programs() if p.first_release > "2026-06"]
    assert sorted(unrelated["band"]["programs"]) == sorted([*(p.name for p in programs), "colt"])
    assert Path(str(unrelated["log"])).exists()
    assert unrelated["source"]["origin"] == "repository"


def test_a_baseline_entry_names_its_fields() -> None:
    with pytest.raises(ValueError, match="first_release"):
        BaselineProgram.model_validate(
            {
                "name": "x",
                "registry": "pypi",
                "version": "1",
                "language": "python",
                "first_release": "2026-13",
                "evidence": "e",
                "include": ["*.py"],
            }
        )
