"""The texmacros target: TeX runs with its clock pinned (the gold must not follow the day a
suite or an image was built), generated documents always stop, and the outcome carries the
files TeX writes (.log, .dvi, \\openout files)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings

from mirror.specs.generators import any_case
from mirror.specs.targets import get_target
from mirror.suites.format import read_suite
from mirror.suites.store import visible_path
from oracle.case import Case

NAMES = ["foo", "bar", "baz", "qux", "zap"]  # the generators' macros, in definition order
DEFINITION = re.compile(r"\\[gex]?def\\(foo|bar|baz|qux|zap)[^{]*\{")


def definitions(text: str) -> list[tuple[str, str]]:
    """Each (macro, body) that ``text`` defines: the body is the balanced group after the name
    and parameter text."""
    found = []
    for match in DEFINITION.finditer(text):
        depth, end = 1, match.end()
        while depth and end < len(text):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        found.append((match.group(1), text[match.end() : end - 1]))
    return found


def test_the_spec_is_a_medium_target_built_from_its_wrapper() -> None:
    target = get_target("texmacros")
    assert target.bucket == "M" and target.heldout_min >= 1000
    assert target.build and target.build.sources == ["texmacros.c", "texmacros.txt"]
    # The format is dumped again under the pinned clock and checked, so its date is fixed.
    assert "FAKETIME='2001-09-09 01:46:40'" in target.build.script
    assert "format=tex 2001.9.9" in target.build.script
    assert "/usr/bin/tex" in target.sandbox.execute and "/var/lib/texmf" in target.sandbox.read
    assert target.rivals == []  # Debian ships no TeX that does not share tex.web's code


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(any_case("texmacros"))
def test_generated_macros_call_only_macros_defined_before_them(case: Case) -> None:
    """A body naming its own macro or a later one could expand forever (a timeout)."""
    text = b"".join(case.files.values()).decode()
    for name, body in definitions(text):
        later = NAMES[NAMES.index(name) :]
        assert not any(re.search(rf"\\{other}(?![a-z])", body) for other in later), body


def test_the_visible_suite_records_the_files_tex_writes() -> None:
    entries = read_suite(visible_path(get_target("texmacros")))
    assert entries
    written = {name for entry in entries for name in entry.gold.files}
    assert {"doc.log", "doc.dvi"} <= written
    assert written - {"doc.log", "doc.dvi", "texput.log"}  # \openout files too
    for entry in entries:
        log = entry.gold.files.get("doc.log", b"")
        assert not log or log.startswith(b"This is TeX, Version 3.141592653")
        assert not log or b"(preloaded format=tex 2001.9.9)  9 SEP 2001 01:46\n" in log


@pytest.mark.docker
@pytest.mark.slow
def test_the_clock_reads_the_pinned_date_in_the_reference_box(box_factory) -> None:
    """Knuth's tex ignores SOURCE_DATE_EPOCH: without libfaketime these read today's date."""
    document = b"\\message{\\the\\year/\\the\\month/\\the\\day/\\the\\time}\\shipout\\hbox{}\\end\n"
    client = box_factory("texmacros").client()
    outcome = client.run(Case(args=("doc",), files={"doc.tex": document}, timeout=10))
    assert outcome.exit_code == 0 and b"(./doc.tex 2001/9/9/106 [1] )" in outcome.stdout
    assert outcome.files["doc.log"].startswith(
        b"This is TeX, Version 3.141592653 (TeX Live 2022/Debian) "
        b"(preloaded format=tex 2001.9.9)  9 SEP 2001 01:46\n"
    )
    assert b" TeX output 2001.09.09:0146" in outcome.files["doc.dvi"]
    refused = client.run(Case(args=("-ini", "doc"), timeout=10))
    assert (refused.exit_code, refused.stdout) == (2, b"")
    assert refused.stderr.startswith(b"texmacros: unknown option '-ini'\n")
