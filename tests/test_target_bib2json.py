"""The bib2json target: its C front end's command line, the bibliographies its generators write,
the pandoc examples its importer reads, and pandoc run (and kept unreadable) in the real box."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from mirror.specs.generators import any_case, generators_module
from mirror.specs.targets import get_target
from mirror.suites.format import read_suite
from mirror.suites.store import visible_path
from oracle.case import Case

TARGET = get_target("bib2json")


def test_the_spec_runs_pandoc_through_a_front_end_built_here() -> None:
    assert TARGET.bucket == "M" and TARGET.heldout_min >= 1000
    assert TARGET.packages.debian == ["pandoc"] and TARGET.binary == "/usr/local/bin/bib2json"
    assert TARGET.build and "chmod 0711 /usr/bin/pandoc" in TARGET.build.script
    assert "/usr/bin/pandoc" in TARGET.sandbox.execute
    assert TARGET.docs.man == ["bib2json", "pandoc"]
    # No independent biblatex-to-CSL-JSON converter is packaged by Debian.
    assert TARGET.rivals == []
    # The calibration copy of the reference brings pandoc along and points the front end at it.
    assert "/usr/bin/pandoc" in TARGET.pack.files and "/usr/share/pandoc" in TARGET.pack.files
    assert TARGET.pack.env["MIRROR_PANDOC"] == "{root}/usr/bin/pandoc"


@pytest.fixture(scope="module")
def front_end(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bib2json.c compiled as the target's [build] compiles it."""
    if shutil.which("gcc") is None:
        pytest.skip("no gcc on this machine")
    program = tmp_path_factory.mktemp("bib2json") / "bib2json"
    source = TARGET.folder / "bib2json.c"
    subprocess.run(
        ["gcc", "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", program, source],
        check=True,
        timeout=60,
    )
    return program


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["-x"], 2, b"bib2json: unknown option '-x'\nTry 'bib2json --help'"),
        (["-o"], 2, b"bib2json: option needs a FILE: '-o'\n"),
        (["--output="], 2, b"bib2json: empty output FILE ''\n"),
        (["a.bib", "b.bib"], 2, b"only one input FILE may be given, got another: 'b.bib'\n"),
        (["missing.bib"], 1, b"bib2json: missing.bib: No such file or directory\n"),
        (["."], 1, b"bib2json: .: Is a directory\n"),
    ],
)
def test_the_front_end_refuses_bad_command_lines_before_running_pandoc(
    front_end: Path, tmp_path: Path, args: list[str], status: int, message: bytes
) -> None:
    run = subprocess.run([front_end, *args], cwd=tmp_path, capture_output=True, timeout=10)
    assert (run.returncode, run.stdout) == (status, b"")
    assert run.stderr.startswith(message) or message in run.stderr


@pytest.mark.parametrize(
    ("args", "passed"),
    [
        ([], "-f biblatex -t csljson"),
        (["-"], "-f biblatex -t csljson"),
        (["r.bib", "-o", "a.json", "--output=b.json"], "-f biblatex -t csljson -o b.json -- r.bib"),
        (["--", "-o"], "-f biblatex -t csljson -- -o"),
    ],
)
def test_the_front_end_runs_pandoc_with_exactly_the_reader_and_writer_options(
    front_end: Path, tmp_path: Path, args: list[str], passed: str
) -> None:
    """MIRROR_PANDOC (set only by the calibration copy) stands in for pandoc: echo shows argv."""
    for name in ("r.bib", "-o"):
        (tmp_path / name).write_text("@misc{x, title={a}}\n")
    run = subprocess.run(
        [front_end, *args],
        cwd=tmp_path,
        capture_output=True,
        env={"MIRROR_PANDOC": "/bin/echo"},
        timeout=10,
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, passed.encode() + b"\n", b"")


def test_the_front_end_help_is_its_man_page_synopsis(front_end: Path) -> None:
    run = subprocess.run([front_end, "--help"], capture_output=True, timeout=10)
    assert run.returncode == 0 and run.stdout.startswith(b"Usage: bib2json [-o FILE] [FILE]\n")
    page = (TARGET.folder / "bib2json.1").read_bytes()
    assert b"[\\fB\\-o\\fR \\fIOUT\\fR] [\\fIFILE\\fR]" in page


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(any_case("bib2json"))
def test_generated_cases_are_utf8_bibliographies_in_the_case_folder(case: Case) -> None:
    inputs = [case.stdin, *case.files.values()]
    for data in inputs:
        data.decode("utf-8")  # raises on invalid UTF-8: only seeds test pandoc's Latin-1 path
    if "-o" in case.args or any(arg.startswith("--output=") for arg in case.args):
        args = case.args
        outputs = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-o", "--output")]
        outputs += [a.removeprefix("--output=") for a in case.args if a.startswith("--output=")]
        assert all(not name.startswith("/") and ".." not in name for name in outputs)


def test_entry_layouts_keep_braces_balanced() -> None:
    module = generators_module("bib2json")
    assert module.delimited("a {B} c", "quotes") == '"a {B} c"'
    assert module.delimited('say "x"', "quotes") == '{say "x"}'
    assert module.delimited("1999", "bare") == "1999"
    assert module.delimited("in press", "bare") == "{in press}"


def test_the_importer_reads_pandoc_command_examples() -> None:
    text = (
        "Some prose.\n\n```\n% pandoc -f biblatex -t csljson\n@book{k, title={T}}\n^D\n[]\n```\n"
        "```\n% pandoc -t latex\nx\n^D\ny\n```\n"
    )
    blocks = generators_module("bib2json")._blocks(text)
    assert blocks == [
        ("-f biblatex -t csljson", "@book{k, title={T}}\n", "[]\n"),
        ("-t latex", "x\n", "y\n"),
    ]


def test_the_visible_suite_holds_written_files_errors_and_every_family() -> None:
    entries = read_suite(visible_path(TARGET))
    families = {entry.family for entry in entries}
    assert {"entries", "names", "titles", "dates", "macros", "inheritance", "malformed"} <= families
    assert {"command-line", "upstream", "seed-docs", "seed-cli"} <= families
    written = [entry for entry in entries if entry.gold.files]
    assert written and all(
        isinstance(json.loads(data), list) for e in written for data in e.gold.files.values()
    )
    assert any(entry.gold.exit_code == 65 for entry in entries)


@pytest.mark.docker
@pytest.mark.slow
def test_pandoc_converts_in_the_box_and_its_bytes_stay_unreadable(box_factory) -> None:
    """An output file is written as stdout would have been; pandoc's binary (mode 0711) cannot
    be read through bib2json's own input file."""
    bib = b"@article{k, author={M{\\\"u}ller, K. and {ACME}}, title={On {DNA} -- a study},\n" \
        b" date={2020-05~}, pages={1--9}}\n"  # fmt: skip
    with box_factory("bib2json").client() as client:
        printed = client.run(Case(stdin=bib, timeout=20))
        written = client.run(Case(args=("-o", "out.json"), stdin=bib, timeout=20))
        refused = client.run(Case(args=("/usr/bin/pandoc",), timeout=20))
    assert printed.exit_code == 0 and printed.stderr == b""
    record = json.loads(printed.stdout)[0]
    assert record["author"] == [{"family": "Müller", "given": "K."}, {"literal": "ACME"}]
    assert record["issued"] == {"circa": True, "date-parts": [[2020, 5]]}
    assert (record["page"], record["type"]) == ("1-9", "article-journal")
    assert (written.exit_code, written.stdout) == (0, b"")
    assert written.files == {"out.json": printed.stdout}
    assert (refused.exit_code, refused.stdout) == (1, b"")
    assert refused.stderr == b"bib2json: /usr/bin/pandoc: Permission denied\n"
